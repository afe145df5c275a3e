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

/// The names of the `[[bench]]` targets in Cargo.toml, in order.
fn benches() -> Vec<String> {
    let manifest = std::fs::read_to_string(crate::support::root().join("Cargo.toml")).unwrap();
    let mut names = Vec::new();
    let mut in_bench = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_bench = line == "[[bench]]";
        } else if in_bench && let Some(name) = line.strip_prefix("name = ") {
            names.push(name.trim_matches('"').to_owned());
        }
    }
    names
}

#[test]
fn issue_15_every_benchmark_has_its_block_in_the_readme_and_the_regenerating_script() {
    let root = crate::support::root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let script = std::fs::read_to_string(root.join("benches/regenerate.sh")).unwrap();
    let listed = script
        .lines()
        .filter(|line| !line.contains('$'))
        .find_map(|line| line.trim().strip_prefix("benches=("))
        .and_then(|list| list.strip_suffix(')'))
        .unwrap();
    let mut names = benches();
    let mut in_script: Vec<&str> = listed.split_whitespace().collect();
    names.sort();
    in_script.sort_unstable();
    assert_eq!(
        in_script, names,
        "benches/regenerate.sh runs every [[bench]]"
    );
    for name in &names {
        let (begin, end) = (
            format!("<!-- bench:{name} -->\n"),
            format!("<!-- /bench:{name} -->\n"),
        );
        assert_eq!(
            (readme.matches(&begin).count(), readme.matches(&end).count()),
            (1, 1),
            "README.md holds one block of `cargo bench --bench {name}`"
        );
        let (start, stop) = (readme.find(&begin).unwrap(), readme.find(&end).unwrap());
        assert!(start < stop, "{name}: the block opens before it closes");
        let block = &readme[start + begin.len()..stop];
        assert!(
            block.starts_with(&format!("Measured with `cargo bench --bench {name}` on 20")),
            "{name}: the block says when and where it was measured: {block}"
        );
        let source = std::fs::read_to_string(root.join(format!("benches/{name}.rs"))).unwrap();
        assert!(
            source.contains(&format!("block::begin(\"{name}\")"))
                && source.contains(&format!("block::end(\"{name}\")")),
            "benches/{name}.rs prints its block"
        );
    }
}

#[test]
fn issue_15_the_regenerating_script_replaces_complete_blocks_and_keeps_the_others() {
    let temp = tempfile::tempdir().unwrap();
    let readme = temp.path().join("README.md");
    std::fs::write(
        &readme,
        "# Title\n<!-- bench:apply -->\nold apply\n<!-- /bench:apply -->\nprose\n\
         <!-- bench:plan -->\nold plan\n<!-- /bench:plan -->\nend\n",
    )
    .unwrap();
    // apply's block is complete; plan's run failed before its closing marker.
    let output = temp.path().join("output.txt");
    std::fs::write(
        &output,
        "Running benches/apply.rs\n<!-- bench:apply -->\n| new | apply |\n<!-- /bench:apply -->\n\
         <!-- bench:plan -->\n| half a plan |\n",
    )
    .unwrap();
    let run = std::process::Command::new(crate::support::root().join("benches/regenerate.sh"))
        .args(["--splice", output.to_str().unwrap()])
        .env("TELREP_README", &readme)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(run.stderr).unwrap(),
        "benches/regenerate.sh: `cargo bench --bench plan` gave no complete block; its README block is unchanged\n"
    );
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        "# Title\n<!-- bench:apply -->\n| new | apply |\n<!-- /bench:apply -->\nprose\n\
         <!-- bench:plan -->\nold plan\n<!-- /bench:plan -->\nend\n"
    );
}
