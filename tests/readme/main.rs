//! README.md cannot drift: every console example in it is run for real, on a terminal of 80
//! columns, in a scene that makes its output (tests/readme/scenes.rs), and the terminal
//! must show what the README shows, times, ports, pids and table padding aside; `[..]` in an
//! example stands for the rest of a line and a line `...` for any lines. An example with no
//! scene fails, so a new one cannot go unchecked. Its toml blocks must load as dbward.toml
//! and the dbward command lines of its shell, CI, cron and systemd blocks must parse.

#[path = "../support/mod.rs"]
mod support;

mod markdown;
mod scenes;
mod screen;
mod snippets;

use markdown::{Block, Example};

fn readme_blocks() -> Vec<Block> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    markdown::blocks(&std::fs::read_to_string(path).unwrap())
}

fn console_examples() -> Vec<Example> {
    readme_blocks()
        .iter()
        .filter(|b| b.lang == "console")
        .flat_map(markdown::examples)
        .collect()
}

/// An example whose command did not show what the README shows.
struct Mismatch {
    message: String,
    /// What the terminal showed, ports set to the README's.
    screen: String,
}

/// What is wrong with one example as played, if anything.
fn check_example(example: &Example, scene: &scenes::Scene) -> Result<(), Mismatch> {
    let shown = (scene.play)(&example.command);
    // README_SHOW=1 (with --nocapture) prints every screen, to write an example from.
    if std::env::var_os("README_SHOW").is_some() {
        println!(
            "README.md:{} `$ {}`:\n{}",
            example.line, example.command, shown.text
        );
    }
    let mut problems = Vec::new();
    if shown.code != scene.code {
        problems.push(format!("exit code {}, not {}", shown.code, scene.code));
    }
    let assert = snapbox::Assert::new().palette(snapbox::report::Palette::plain());
    if let Err(difference) = assert.try_eq(
        Some(&"the terminal (normalized)"),
        snapbox::Data::text(screen::normalize(&shown.text)),
        snapbox::Data::text(screen::normalize(&example.expected)),
    ) {
        problems.push(difference.to_string());
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Mismatch {
        message: format!(
            "README.md:{}: `$ {}` is not what the README shows: {}\nthe terminal showed:\n{}",
            example.line,
            example.command,
            problems.join("\n"),
            shown.text
        ),
        screen: regex::Regex::new(r"127\.0\.0\.1:\d+")
            .unwrap()
            .replace_all(&shown.text, "127.0.0.1:55432")
            .into_owned(),
    })
}

/// With SNAPSHOTS=overwrite, the examples that differ are written over with what the
/// terminal showed, except those that leave output out (`...`, `[..]`): a person shortens
/// those again. Every change is for a person to read before committing it.
#[test]
fn every_console_example_is_what_a_terminal_shows() {
    let examples = console_examples();
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    let mut rewrites = Vec::new();
    for example in &examples {
        match scenes::SCENES.iter().find(|s| s.command == example.command) {
            Some(scene) => match check_example(example, scene) {
                Ok(()) => {}
                Err(mismatch)
                    if overwrite
                        && !example.expected.contains("...")
                        && !example.expected.contains("[..]") =>
                {
                    rewrites.push((example, mismatch.screen));
                }
                Err(mismatch) => failures.push(mismatch.message),
            },
            None => failures.push(format!(
                "README.md:{}: `$ {}` has no scene in tests/readme/scenes.rs: add one that makes its output",
                example.line, example.command
            )),
        }
    }
    if !rewrites.is_empty() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let mut text = std::fs::read_to_string(path).unwrap();
        // From the bottom up, so that the lines above keep their numbers.
        rewrites.sort_by_key(|(example, _)| std::cmp::Reverse(example.line));
        for (example, screen) in &rewrites {
            text = markdown::rewrite(&text, example, screen);
        }
        std::fs::write(path, text).unwrap();
    }
    // A scene is found by its command line: two examples of one command say, in a comment,
    // what differs between them.
    for (index, example) in examples.iter().enumerate() {
        if examples[..index]
            .iter()
            .any(|e| e.command == example.command)
        {
            failures.push(format!(
                "README.md:{}: `$ {}` is the command line of an example above too: add a comment saying what this one shows (`# in a project with ...`)",
                example.line, example.command
            ));
        }
    }
    for scene in scenes::SCENES {
        if !examples.iter().any(|e| e.command == scene.command) {
            failures.push(format!(
                "the scene for `$ {}` has no example in README.md any more: remove it",
                scene.command
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_toml_block_loads_as_a_dbward_toml() {
    let failures: Vec<String> = readme_blocks()
        .iter()
        .filter(|b| b.lang == "toml")
        .filter_map(|b| snippets::toml_loads(b).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_dbward_line_of_the_shell_ci_cron_and_systemd_blocks_parses() {
    let blocks = readme_blocks();
    // A job the README runs must be one it declares, and one this repository has, so
    // that a reader can run the line here.
    let own = snippets::declared_jobs(&Block {
        lang: "toml".into(),
        line: 0,
        indent: 0,
        body: std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dbward.toml")).unwrap(),
    });
    let jobs: Vec<String> = blocks
        .iter()
        .filter(|b| b.lang == "toml")
        .flat_map(snippets::declared_jobs)
        .filter(|job| own.contains(job))
        .collect();
    let mut failures = Vec::new();
    let mut calls = 0;
    let copied = ["sh", "yaml", "cron", "ini"];
    for block in blocks.iter().filter(|b| copied.contains(&b.lang.as_str())) {
        for (offset, line) in block.body.lines().enumerate() {
            let line_no = block.line + 1 + offset;
            // In a systemd unit only ExecStart runs anything; the rest is prose.
            if block.lang == "ini" && !line.starts_with("ExecStart=") {
                continue;
            }
            for args in snippets::dbward_calls(line) {
                calls += 1;
                failures.extend(snippets::parses(line_no, &args).err());
                for job in snippets::named_jobs(&args) {
                    if !jobs.iter().any(|j| j == job) {
                        failures.push(format!(
                            "README.md:{line_no}: job `{job}` is not declared both in a toml block of the README and in this repository's dbward.toml (both declare {})",
                            jobs.join(", ")
                        ));
                    }
                }
            }
        }
    }
    assert!(
        calls > 10,
        "only {calls} dbward call(s) found in the sh blocks"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
