//! The project documents itself: nothing in the repository points at files a clone does
//! not have, and the README links the design and API documents it relies on.

use std::path::{Path, PathBuf};

use crate::support::root;

/// Every text file below `path`, skipping installed packages and build output.
fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_owned());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "node_modules" || name == "target" {
            continue;
        }
        files(&path, out);
    }
}

#[test]
fn issue_8_nothing_points_outside_the_repository() {
    // Spelled in pieces, so this file does not find itself.
    let forbidden = [
        format!("{}/shared", ".."),
        format!("telnyx{}api", "-"),
        format!("DESIGN{}md", "."),
        format!("STYLE{}md", "."),
    ];
    let mut all = Vec::new();
    for top in ["README.md", "docs", "src", "tests", "benches", "examples"] {
        files(&root().join(top), &mut all);
    }
    let mut found = Vec::new();
    for file in &all {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            if forbidden
                .iter()
                .any(|pattern| line.contains(pattern.as_str()))
            {
                let relative = file.strip_prefix(root()).unwrap_or(file);
                found.push(format!("{}:{}: {line}", relative.display(), index + 1));
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn issue_8_the_readme_links_the_design_and_api_documents() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for document in ["docs/design.md", "docs/api.md"] {
        assert!(root().join(document).is_file(), "{document} is missing");
        assert!(
            readme.contains(&format!("]({document}")),
            "README does not link {document}"
        );
    }
}
