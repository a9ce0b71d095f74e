//! The fenced blocks of a Markdown file, and the examples of its `console` blocks.

/// One fenced block: its language tag, the line of its opening fence, its text.
pub struct Block {
    pub lang: String,
    pub line: usize,
    /// How far the fence is indented (a block inside a list item).
    pub indent: usize,
    pub body: String,
}

/// Every fenced block, indented ones (inside list items) included, their indent removed.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize, usize, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                if let Some(tag) = trimmed.strip_prefix("```") {
                    open = Some((tag.trim().to_string(), index + 1, indent, Vec::new()));
                }
            }
            Some((lang, start, fence_indent, lines)) => {
                if trimmed == "```" {
                    found.push(Block {
                        lang: std::mem::take(lang),
                        line: *start,
                        indent: *fence_indent,
                        body: lines.join("\n"),
                    });
                    open = None;
                } else {
                    let cut = (*fence_indent).min(indent);
                    lines.push(&line[cut..]);
                }
            }
        }
    }
    assert!(open.is_none(), "README.md ends inside a fenced block");
    found
}

/// One `$ command` of a console block and the output shown under it.
pub struct Example {
    pub line: usize,
    pub indent: usize,
    pub command: String,
    pub expected: String,
}

/// The examples of a console block: each `$ ` line starts one.
pub fn examples(block: &Block) -> Vec<Example> {
    let mut found: Vec<Example> = Vec::new();
    for (offset, line) in block.body.lines().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            found.push(Example {
                line: block.line + 1 + offset,
                indent: block.indent,
                command: command.to_string(),
                expected: String::new(),
            });
        } else if let Some(example) = found.last_mut() {
            example.expected.push_str(line);
            example.expected.push('\n');
        } else {
            panic!(
                "README.md:{}: a console block must start with a `$ ` command line",
                block.line
            );
        }
    }
    found
}

/// `text` with the output shown under `example` replaced by `output`.
pub fn rewrite(text: &str, example: &Example, output: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first = example.line; // the line after the `$ ` line, counted from 0
    let old = example.expected.lines().count();
    let indent = " ".repeat(example.indent);
    let new = output.lines().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!("{indent}{line}")
        }
    });
    lines.splice(first..first + old, new);
    lines.join("\n") + "\n"
}
