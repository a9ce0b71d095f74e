//! The documentation a clone of the repository holds must stand on its own: no link or path
//! that leads out of the repository, to files only the machine it was written on had.

use std::path::{Path, PathBuf};

const DOCUMENTS: [&str; 3] = ["README.md", "docs/compatibility.md", "bench/README.md"];

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `](target)` of a markdown link, with its line number.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// Every word that starts with `../`, quotes and brackets trimmed, with its line number.
fn paths_going_up(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        for word in line.split_whitespace() {
            let word = word
                .trim_start_matches(|c: char| "`'\"([".contains(c))
                .trim_end_matches(|c: char| "`'\")],.;:".contains(c));
            if word.starts_with("../") {
                found.push((number + 1, word.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_link_of_the_documentation_leads_to_a_file_of_the_repository() {
    let root = repository();
    let mut broken = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root.join(document)).unwrap();
        let folder = root.join(document).parent().unwrap().to_path_buf();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let resolved = folder.join(file);
            let inside = resolved
                .canonicalize()
                .is_ok_and(|path| path.starts_with(root.canonicalize().unwrap()));
            if !inside {
                broken.push(format!("{document}:{line}: {target}"));
            }
        }
    }
    assert_eq!(broken, Vec::<String>::new());
}

#[test]
fn a_path_going_up_is_only_one_of_the_repository_seen_from_a_subfolder() {
    let root = repository();
    let mut outside = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root.join(document)).unwrap();
        for (line, path) in paths_going_up(&text) {
            // `../migrations/001_a.sql` is how dbward shows a path from `src/`: the folder
            // after `../` must be one the repository has.
            let first = Path::new(&path["../".len()..])
                .components()
                .next()
                .map(|c| c.as_os_str().to_owned());
            if !first.is_some_and(|first| root.join(first).exists()) {
                outside.push(format!("{document}:{line}: {path}"));
            }
        }
    }
    assert_eq!(outside, Vec::<String>::new());
}

#[test]
fn the_scanners_find_what_they_look_for() {
    let text =
        "see [design](../shared/DESIGN.md) and `../shared/seeds/`,\nnot [site](https://x.org)";
    assert_eq!(
        links(text),
        vec![
            (1, "../shared/DESIGN.md".to_string()),
            (2, "https://x.org".to_string())
        ]
    );
    assert_eq!(
        paths_going_up(text),
        vec![(1, "../shared/seeds/".to_string())]
    );
}
