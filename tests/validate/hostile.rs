//! Issue 9, "safe under hostile input": symlinks out of a directory and loops, FIFOs and
//! streams, unbounded diagnostics, values that are not what a reviewer reads.

use std::fs;
use std::os::unix::fs::symlink;

use super::{manifest_with_numbers_file, write};
use crate::support::{fixtures, run};

/// A directory argument with a symlink to a directory outside (`evil`, holding
/// `creds.yaml`) and one to a file outside (`leak.yaml`): both are named, neither is read;
/// a symlink out of its directory named on the command line is refused the same way.
#[test]
fn issue_9_symlinks_out_of_the_directory() {
    let temp = tempfile::tempdir().unwrap();
    let repo = temp.path().join("repo");
    manifest_with_numbers_file(&repo, "numbers.txt");
    fs::write(repo.join("numbers.txt"), "+12025551234\n").unwrap();
    write(
        temp.path(),
        "outside/creds.yaml",
        "version: 1\nenterprise: {legal_name: SECRET-CREDS}\nreputation: {enabled: false}\n",
    );
    write(temp.path(), "shadow", "SECRET-HASH\n");
    symlink(temp.path().join("outside"), repo.join("evil")).unwrap();
    symlink(temp.path().join("shadow"), repo.join("leak.yaml")).unwrap();
    let output = run(&repo, &["validate", "."]);
    assert!(!output.contains("SECRET"), "{output}");
    insta::assert_snapshot!(output, @"
    exit: 1
    ----- stdout -----
    ./m.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ./evil:1:1: error: `./evil` is a symlink that leads out of `.`; it was not followed
    help: name the target explicitly, exclude the link with `--exclude`, or pass `--allow-outside-paths` if this is intended

    ./leak.yaml:1:1: error: `./leak.yaml` is a symlink that leads out of `.`; it was not followed
    help: name the target explicitly, exclude the link with `--exclude`, or pass `--allow-outside-paths` if this is intended

    found 2 problems: 2 symlinks lead out of a directory
    ");
    let output = run(&repo, &["validate", "leak.yaml"]);
    assert!(!output.contains("SECRET"), "{output}");
    insta::assert_snapshot!(output, @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    leak.yaml:1:1: error: `leak.yaml` is a symlink that leads out of its directory `.`; it was not read
    help: name the file it points to, or pass `--allow-outside-paths` if this is intended

    found 1 problem: 1 symlink leads out of a directory
    ");
    insta::assert_snapshot!(run(&repo, &["validate", "--allow-outside-paths", "leak.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    leak.yaml:1:1: error: expected a mapping for the manifest, found a string
      |
    1 | SECRET-HASH
      | ^^^^^^^^^^^

    found 1 problem in 1 of 1 manifest
    ");
}

/// `a/self -> .` and `a/up -> ..` (at every level of a deep tree): each real directory
/// is entered once and each manifest found once, also through a symlink to it.
#[test]
fn issue_9_symlink_loops() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let manifest = fs::read_to_string(fixtures().join("valid_disabled.yaml")).unwrap();
    let mut directory = std::path::PathBuf::from("a");
    for name in ["b", "c", "d", "e"] {
        write(root, &format!("{}/m.yaml", directory.display()), &manifest);
        symlink(".", root.join(&directory).join("self")).unwrap();
        symlink("..", root.join(&directory).join("up")).unwrap();
        directory.push(name);
    }
    symlink("a/b/m.yaml", root.join("again.yaml")).unwrap();
    insta::assert_snapshot!(run(root, &["validate", "."]), @"
    exit: 0
    ----- stdout -----
    ./a/b/c/d/m.yaml: valid (Acme Corp, 0 numbers)
    ./a/b/c/m.yaml: valid (Acme Corp, 0 numbers)
    ./a/b/m.yaml: valid (Acme Corp, 0 numbers)
    ./a/m.yaml: valid (Acme Corp, 0 numbers)
    ----- stderr -----
    ");
}
