//! The README's other blocks that users copy: every `toml` block must load as a dbward.toml
//! (`dbward check` passes in a project holding it), and every dbward command line of its
//! `sh`, CI (`yaml`), cron and systemd (`ini`) blocks must parse, naming only jobs that a
//! `toml` block declares.

use crate::markdown::Block;
use crate::support::Project;

/// `dbward check` in a project whose dbward.toml is the block: the file loads (keys,
/// values, jobs, acceptances, rule names) and nothing in it fails the check.
pub fn toml_loads(block: &Block) -> Result<(), String> {
    let project = Project::new();
    project
        .write("dbward.toml", &block.body)
        .migration(
            "001_notes.sql",
            "create table notes (id bigint primary key);\n",
            "drop table notes;\n",
        )
        .write("fixtures/001_notes.sql", "select 1;\n");
    let run = project.run(&["check"]);
    if run.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "README.md:{}: this toml block, as dbward.toml, makes `dbward check` exit {}:\n{}{}",
            block.line, run.code, run.stdout, run.stderr
        ))
    }
}

/// The jobs a `toml` block declares (`[jobs.NAME]`).
pub fn declared_jobs(block: &Block) -> Vec<String> {
    let doc: toml::Table = block
        .body
        .parse()
        .unwrap_or_else(|e| panic!("README.md:{}: not TOML: {e}", block.line));
    doc.get("jobs")
        .and_then(|jobs| jobs.as_table())
        .map(|jobs| jobs.keys().cloned().collect())
        .unwrap_or_default()
}

/// The arguments of each dbward call on a shell line: after `dbward` (or `cargo run --`),
/// up to the end of the command (a comment, a pipe, a redirection, `&&`, a `)`).
pub fn dbward_calls(line: &str) -> Vec<Vec<String>> {
    let line = line.split(" #").next().unwrap_or("");
    let mut calls = Vec::new();
    // A Kubernetes container's `args: [...]`, the arguments of the image's dbward.
    if let Some(array) = line.trim().strip_prefix("args: ") {
        if let Ok(args) = serde_json::from_str::<Vec<String>>(array) {
            calls.push(args);
        }
        return calls;
    }
    let mut tokens = line.split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        let token = token.trim_start_matches("\"$(");
        // `dbward`, or a path to it (`ExecStart=/usr/local/bin/dbward`).
        let starts = token == "dbward"
            || token.ends_with("bin/dbward")
            || (token == "run" && tokens.peek() == Some(&"--") && {
                tokens.next();
                true
            });
        if !starts {
            continue;
        }
        let mut args = Vec::new();
        for arg in tokens.by_ref() {
            if ["|", ">", "&&", ";", "2>"].contains(&arg) {
                break;
            }
            let ends = arg.contains(')');
            let arg = arg.trim_end_matches(['"', ')']);
            if !arg.is_empty() {
                args.push(arg.to_string());
            }
            if ends {
                break;
            }
        }
        calls.push(args);
    }
    calls
}

/// `dbward ARGS --help` exits 0: the command and each flag before it exist.
pub fn parses(line_no: usize, args: &[String]) -> Result<(), String> {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push("--help");
    let run = Project::new().run(&all);
    if run.code == 0 {
        Ok(())
    } else {
        Err(format!(
            "README.md:{line_no}: `dbward {}` does not parse:\n{}",
            args.join(" "),
            run.stderr
        ))
    }
}

/// `job run NAME...` and `job history NAME` name jobs some toml block declares.
pub fn named_jobs(args: &[String]) -> Vec<&str> {
    match args {
        [job, verb, rest @ ..] if job == "job" && (verb == "run" || verb == "history") => rest
            .iter()
            .map(String::as_str)
            .take_while(|a| !a.starts_with('-'))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn dbward_calls_are_found_on_shell_lines() {
    assert_eq!(
        dbward_calls("PGPASSWORD=\"$(cat .dbward/password)\" psql \"$(dbward local url)\""),
        vec![vec!["local".to_string(), "url".to_string()]]
    );
    assert_eq!(
        dbward_calls("cargo run -- up        # run dbward on this repository"),
        vec![vec!["up".to_string()]]
    );
    assert_eq!(
        dbward_calls("ExecStart=/usr/local/bin/dbward job list"),
        vec![vec!["job".to_string(), "list".to_string()]]
    );
    assert_eq!(
        dbward_calls(r#"    args: ["job", "list"]"#),
        vec![vec!["job".to_string(), "list".to_string()]]
    );
    assert!(dbward_calls("cargo install --git https://github.com/your-org/dbward").is_empty());
    assert_eq!(
        dbward_calls("mkdir -p d && dbward man --dir d   # then: man dbward-up"),
        vec![vec![
            "man".to_string(),
            "--dir".to_string(),
            "d".to_string()
        ]]
    );
}
