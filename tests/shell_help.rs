//! `dbward completions` and `dbward man`: made from the command line itself, needing no
//! project and no database, through the real binary.

mod support;

use std::process::Command;

use support::{Project, assert_code};

/// What bash's completion offers for the words typed so far, with dbward's script loaded
/// and called as bash calls it: the command, the word being completed, the word before.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dbward.bash");
    std::fs::write(&path, script).unwrap();
    let typed = words.join(" ");
    let program = format!(
        "source {}; COMP_WORDS=({typed}); COMP_CWORD={}; COMP_LINE='{typed}'; COMP_POINT=${{#COMP_LINE}}; _dbward dbward \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        words.len() - 1
    );
    let out = Command::new("bash")
        .args(["-c", &program])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_completes_commands_subcommands_and_flags() {
    let project = Project::new();
    let run = project.run(&["completions", "bash"]);
    assert_code(&run, 0);
    assert_eq!(bash_completes(&run.stdout, &["dbward", "jo"]), ["job"]);
    assert_eq!(
        bash_completes(&run.stdout, &["dbward", "job", "h"]),
        ["history", "help"]
    );
    let flags = bash_completes(&run.stdout, &["dbward", "up", "--dr"]);
    assert_eq!(flags, ["--dry-run"]);
    // No project was needed, and nothing was made for one.
    assert!(!project.path().join(".dbward").exists());
}

#[test]
fn every_shell_clap_knows_gets_its_script() {
    let project = Project::new();
    for (shell, mark) in [
        ("zsh", "#compdef dbward"),
        ("fish", "complete -c dbward"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[dbward]"),
    ] {
        let run = project.run(&["completions", shell]);
        assert_code(&run, 0);
        assert!(run.stdout.contains(mark), "{shell}: {}", run.stdout);
        assert!(run.stdout.contains("single-transaction"), "{shell}");
    }
    let run = project.run(&["completions", "tcsh"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("invalid value 'tcsh'")
            && run.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{run:?}"
    );
}

#[test]
fn the_man_page_reads_in_man_and_names_every_command() {
    let project = Project::new();
    let run = project.run(&["man"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains(".TH dbward 1"), "{}", run.stdout);
    for command in ["up", "down", "verify", "job", "completions"] {
        assert!(
            run.stdout.contains(&format!("dbward\\-{command}(1)")),
            "{command} is not listed"
        );
    }
    // groff renders it without a warning.
    let page = project.path().join("dbward.1");
    std::fs::write(&page, &run.stdout).unwrap();
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{rendered:?}");
    assert_eq!(String::from_utf8_lossy(&rendered.stderr), "");
}

#[test]
fn man_dir_writes_a_page_per_command_into_a_folder_that_must_exist() {
    let project = Project::new();
    std::fs::create_dir(project.path().join("man1")).unwrap();
    let run = project.run(&["man", "--dir", "man1"]);
    assert_code(&run, 0);
    for page in [
        "dbward.1",
        "dbward-up.1",
        "dbward-job-run.1",
        "dbward-local-url.1",
    ] {
        let text = std::fs::read_to_string(project.path().join("man1").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH dbward"), "{page}");
    }
    assert!(run.stdout.starts_with("wrote "), "{run:?}");
    assert!(run.stdout.contains("to man1: dbward-adopt.1, "), "{run:?}");

    let run = project.run(&["man", "--dir", "nowhere"]);
    assert_code(&run, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: nowhere: no such folder; create it first"
    );
}
