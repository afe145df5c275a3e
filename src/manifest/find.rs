//! Which files the command-line paths name: files as given, and in directories every YAML
//! file that is a telrep manifest.
//!
//! A directory in a repository holds other YAML too (CI workflows, price tables, compose
//! files), so a file below a directory argument is a manifest only when its top level has
//! an `enterprise` or a `reputation` key, or a key within two edits of either: a misspelt
//! manifest is reported, never skipped. The others are counted. The walk enters each real
//! directory and finds each real file once, never enters a hidden directory or `.telrep/`,
//! and never follows a symlink out of the directory argument. A file named on the command
//! line that is a symlink out of its own directory is refused the same way.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::diagnostic::{Diagnostic, shown_path};
use super::rule;
use super::source::{MANIFEST_LIMIT, SourceText};
use super::tree::{self, Value};

/// The top-level keys that make a YAML file a manifest.
const MANIFEST_KEYS: &[&str] = &["enterprise", "reputation"];

/// Parses an `--exclude` pattern: `*` stays within one path component, `**` crosses them.
/// A clap value parser: clap prints the error's own message, which globset makes complete
/// (the pattern and what is wrong with it).
pub fn parse_exclude(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// What the search of the command-line paths found.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub manifests: Vec<PathBuf>,
    pub problems: Vec<Diagnostic>,
    pub skipped: usize,
}

/// How the walk is bounded.
struct Walk<'a> {
    exclude: &'a GlobSet,
    allow_outside_paths: bool,
    /// The directory argument, canonical, that symlinks may not leave.
    root: PathBuf,
    /// The directory argument as given, for messages.
    argument: &'a Path,
    /// Canonical directories already entered.
    visited: HashSet<PathBuf>,
    /// Canonical files already found, so a symlink to a manifest inside the directory does
    /// not make it two manifests.
    files: HashSet<PathBuf>,
}

/// Searches `paths`: a file is a manifest as given; a directory is walked (see the module
/// docs), `exclude` matched against paths relative to it.
pub(super) fn find(paths: &[PathBuf], exclude: &[Glob], allow_outside_paths: bool) -> Found {
    let mut found = Found::default();
    let mut builder = GlobSetBuilder::new();
    for glob in exclude {
        builder.add(glob.clone());
    }
    let exclude = builder.build().unwrap_or_else(|_| GlobSet::empty());
    for path in paths {
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => {
                let before = (found.manifests.len(), found.skipped);
                let mut walk = Walk {
                    exclude: &exclude,
                    allow_outside_paths,
                    root: path.canonicalize().unwrap_or_else(|_| path.clone()),
                    argument: path,
                    visited: HashSet::new(),
                    files: HashSet::new(),
                };
                walk.directory(path, Path::new(""), &mut found);
                if found.manifests.len() == before.0 {
                    found
                        .problems
                        .push(no_manifests(path, found.skipped - before.1));
                }
            }
            Ok(_) if !allow_outside_paths && leads_out(path) => {
                found.problems.push(named_symlink_outside(path));
            }
            Ok(_) => found.manifests.push(path.clone()),
            Err(error) => found.problems.push(
                Diagnostic::error(
                    path,
                    1,
                    1,
                    format!("cannot read `{}`: {error}", shown_path(path)),
                )
                .with_rule(rule::UNREADABLE_FILE),
            ),
        }
    }
    found
}

fn no_manifests(directory: &Path, skipped: usize) -> Diagnostic {
    let skipped = match skipped {
        0 => "it holds no YAML files that are not excluded".to_owned(),
        1 => "skipped 1 YAML file that is not a telrep manifest".to_owned(),
        count => format!("skipped {count} YAML files that are not telrep manifests"),
    };
    Diagnostic::error(
        directory,
        1,
        1,
        format!(
            "no telrep manifest in `{}`: looked for `*.yaml` and `*.yml` files whose top level has \
             `enterprise` or `reputation`; {skipped}",
            shown_path(directory)
        ),
    )
    .with_rule(rule::NO_MANIFESTS)
    .with_help("name the manifest files, or a directory that holds them")
}

impl Walk<'_> {
    /// Walks `directory` (`relative` to the directory argument), in sorted order.
    fn directory(&mut self, directory: &Path, relative: &Path, found: &mut Found) {
        if let Ok(canonical) = directory.canonicalize()
            && !self.visited.insert(canonical)
        {
            return;
        }
        let entries = match std::fs::read_dir(directory) {
            Ok(entries) => entries,
            Err(error) => {
                found.problems.push(
                    Diagnostic::error(
                        directory,
                        1,
                        1,
                        format!(
                            "cannot read the directory `{}`: {error}",
                            shown_path(directory)
                        ),
                    )
                    .with_rule(rule::UNREADABLE_FILE),
                );
                return;
            }
        };
        let mut names: Vec<_> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.file_name()))
            .collect();
        names.sort();
        for name in names {
            let path = directory.join(&name);
            let relative = relative.join(&name);
            if self.exclude.is_match(&relative) {
                continue;
            }
            self.entry(&path, &relative, found);
        }
    }

    fn entry(&mut self, path: &Path, relative: &Path, found: &mut Found) {
        let Ok(metadata) = std::fs::symlink_metadata(path) else {
            return;
        };
        if metadata.is_symlink() && !self.allow_outside_paths {
            // A broken symlink leads nowhere and is passed over like any non-YAML entry.
            let Ok(target) = path.canonicalize() else {
                return;
            };
            if !target.starts_with(&self.root) {
                found.problems.push(symlink_outside(path, self.argument));
                return;
            }
        }
        // A broken symlink, or one to something that is neither a file nor a directory.
        let Ok(target) = std::fs::metadata(path) else {
            return;
        };
        let hidden = relative
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with('.'));
        if target.is_dir() {
            if !hidden {
                self.directory(path, relative, found);
            }
        } else if target.is_file() && is_yaml(path) {
            // A symlink to a file of the tree names a file the walk reads at its real
            // place, where its `file:` entries resolve: the link is not a second manifest.
            if metadata.is_symlink()
                && path
                    .canonicalize()
                    .is_ok_and(|canonical| canonical.starts_with(&self.root))
            {
                return;
            }
            let first = path
                .canonicalize()
                .map_or(true, |canonical| self.files.insert(canonical));
            if !first {
                return;
            }
            if is_manifest(path) {
                found.manifests.push(path.to_path_buf());
            } else {
                found.skipped += 1;
            }
        }
    }
}

fn symlink_outside(path: &Path, argument: &Path) -> Diagnostic {
    Diagnostic::error(
        path,
        1,
        1,
        format!(
            "`{}` is a symlink that leads out of `{}`; it was not followed",
            shown_path(path),
            shown_path(argument)
        ),
    )
    .with_rule(rule::PATH_OUTSIDE)
    .with_help(
        "name the target explicitly, exclude the link with `--exclude`, or pass \
         `--allow-outside-paths` if this is intended",
    )
}

/// Whether `path` is a symlink whose target is not inside the directory that holds the
/// link: the rule `file:` entries follow, applied to a file named on the command line. A
/// path through symlinked directories that the user typed is theirs to name.
fn leads_out(path: &Path) -> bool {
    let is_symlink = std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_symlink());
    if !is_symlink {
        return false;
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (path.canonicalize(), parent.canonicalize()) {
        (Ok(target), Ok(parent)) => !target.starts_with(parent),
        _ => true,
    }
}

fn named_symlink_outside(path: &Path) -> Diagnostic {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Diagnostic::error(
        path,
        1,
        1,
        format!(
            "`{}` is a symlink that leads out of its directory `{}`; it was not read",
            shown_path(path),
            shown_path(parent)
        ),
    )
    .with_rule(rule::PATH_OUTSIDE)
    .with_help("name the file it points to, or pass `--allow-outside-paths` if this is intended")
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|extension| extension.to_str()),
        Some("yaml" | "yml")
    )
}

/// Whether the file at `path` is one to validate as a manifest: its top level has a key
/// near `enterprise` or `reputation`. Read with the manifest's size cap. A file that cannot
/// be read as text is reported rather than skipped (telrep cannot tell it is no manifest);
/// one that is not valid YAML is a manifest when a line at its top level starts with such
/// a key, so a broken manifest gets its syntax error.
fn is_manifest(path: &Path) -> bool {
    let Ok(source) = SourceText::read(path, MANIFEST_LIMIT) else {
        return true;
    };
    if top_level_lines(&source.text).any(is_manifest_key) {
        return true;
    }
    match tree::parse(&source.text) {
        Ok(root) => match root.value {
            Value::Map(entries) => entries.iter().any(|(key, _)| is_manifest_key(&key.name)),
            _ => false,
        },
        Err(_) => false,
    }
}

/// The keys of block-style lines at column 1 (`key:` or `"key":`), without parsing; lines
/// end where YAML ends them (LF, CRLF or a lone CR).
fn top_level_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r']).filter_map(|line| {
        if line.starts_with([' ', '\t', '#', '-']) {
            return None;
        }
        let (key, _) = line.split_once(':')?;
        Some(key.trim().trim_matches(['"', '\'']))
    })
}

fn is_manifest_key(key: &str) -> bool {
    MANIFEST_KEYS
        .iter()
        .any(|known| strsim::damerau_levenshtein(&key.to_lowercase(), known) <= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_keys_within_two_edits() {
        assert!(is_manifest_key("enterprise"));
        assert!(is_manifest_key("entreprise"));
        assert!(is_manifest_key("Reputaton"));
        assert!(is_manifest_key("reputatio"));
        assert!(!is_manifest_key("jobs"));
        assert!(!is_manifest_key("services"));
        assert!(!is_manifest_key("entry"));
    }

    #[test]
    fn a_bad_exclude_pattern_says_what_is_wrong() {
        assert!(parse_exclude("vendor/**").is_ok());
        assert_eq!(
            parse_exclude("[a").unwrap_err().to_string(),
            "error parsing glob '[a': unclosed character class; missing ']'"
        );
    }

    #[test]
    fn top_level_keys_without_parsing() {
        let text = "# c\nversion: 1\n\"enterprise\": {a: [\n  legal_name: x\n- y\non:\n";
        assert_eq!(
            top_level_lines(text).collect::<Vec<_>>(),
            ["version", "enterprise", "on"]
        );
    }
}
