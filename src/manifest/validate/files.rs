//! Paths named in a manifest (`file:` entries, `loa.file`) and files that cannot be read as
//! text.

use std::path::{Component, Path, PathBuf};

use super::Walker;
use crate::manifest::diagnostic::{Diagnostic, shown, shown_path};
use crate::manifest::rule;
use crate::manifest::source::SourceText;
use crate::manifest::suggest::suggest;
use crate::manifest::tree::Node;

impl Walker<'_> {
    /// Resolves `text` against the manifest's directory, refusing absolute paths and paths
    /// that leave the directory (by `..` or a symlink) unless the options allow it.
    pub(super) fn contained_path(&mut self, node: &Node, text: &str) -> Option<PathBuf> {
        let allow_help = "or pass `--allow-outside-paths` if this is intended";
        if text.is_empty() {
            self.error(
                rule::INVALID_VALUE,
                node.place,
                "the path is empty".to_owned(),
                None,
            );
            return None;
        }
        let relative = Path::new(text);
        if relative.is_absolute() && !self.options.allow_outside_paths {
            self.error(rule::PATH_OUTSIDE,
                node.place,
                format!(
                    "`{}` is an absolute path; paths are relative to the manifest's directory",
                    shown(text)
                ),
                Some(format!(
                    "move the file into the manifest's directory and name it relatively, {allow_help}"
                )),
            );
            return None;
        }
        let path = self.directory.join(relative);
        if let Err(error) = std::fs::metadata(&path) {
            let rule = if error.kind() == std::io::ErrorKind::NotFound {
                rule::FILE_NOT_FOUND
            } else {
                rule::UNREADABLE_FILE
            };
            let help = near_miss(&path, text).map_or_else(
                || "paths are relative to the manifest's directory".to_owned(),
                |near| format!("did you mean `{}`?", shown(&near)),
            );
            self.error(
                rule,
                node.place,
                format!("cannot read `{}`: {error}", shown_path(&path)),
                Some(help),
            );
            return None;
        }
        if self.options.allow_outside_paths {
            return Some(path);
        }
        let root = if self.directory.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.directory
        };
        let inside = match (path.canonicalize(), root.canonicalize()) {
            (Ok(target), Ok(root)) => target.starts_with(root),
            _ => false,
        };
        if !inside {
            let how = if relative
                .components()
                .any(|part| part == Component::ParentDir)
            {
                "leaves"
            } else {
                "is a symlink that leads out of"
            };
            self.error(
                rule::PATH_OUTSIDE,
                node.place,
                format!(
                    "`{}` {how} the manifest's directory `{}`",
                    shown(text),
                    shown_path(root)
                ),
                Some(format!(
                    "keep the file inside the manifest's directory, {allow_help}"
                )),
            );
            return None;
        }
        Some(path)
    }
}

/// The most files of one directory looked at for a near miss: enough for any real folder,
/// bounded for a huge one.
const NEAR_MISS_SCAN: usize = 10_000;

/// `text` with its file name replaced by the closest name of a file beside `path`, when one
/// is a likely typo (`loa/acme-signd.pdf` for `loa/acme-signed.pdf`).
fn near_miss(path: &Path, text: &str) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let names: Vec<String> = std::fs::read_dir(directory)
        .ok()?
        .take(NEAR_MISS_SCAN)
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let near = suggest(name, names.iter().map(String::as_str))?;
    Some(
        Path::new(text)
            .with_file_name(near)
            .to_string_lossy()
            .into_owned(),
    )
}

/// A diagnostic inside a file that could not be read as text: the position of byte `offset`
/// computed from the valid text before it.
pub(crate) fn file_problem(
    path: &Path,
    valid_prefix: &str,
    offset: usize,
    message: String,
) -> Diagnostic {
    let prefix = SourceText::new(path.to_owned(), valid_prefix.to_owned());
    let (line, column) = prefix.position(offset);
    let mut diagnostic = Diagnostic::error(path, line, column, message)
        .with_rule(rule::NOT_UTF8)
        .with_help("save the file as UTF-8 text");
    if let Some(line_text) = prefix.line(line) {
        diagnostic = diagnostic.with_source(line_text, 1);
    }
    diagnostic
}

/// A diagnostic for a NUL byte, which no text file of telrep's may hold; `valid_prefix` is
/// the text before it (the file is not read again).
pub(crate) fn nul_problem(path: &Path, valid_prefix: &str, offset: usize) -> Diagnostic {
    let mut diagnostic = file_problem(
        path,
        valid_prefix,
        offset,
        format!("NUL byte at offset {offset}; this is not a text file"),
    );
    diagnostic.rule = rule::NUL_BYTE;
    diagnostic.help =
        Some("remove the NUL bytes, or check that this is the file you meant".to_owned());
    diagnostic
}

/// A diagnostic for a path that is not a regular file (`what` names it: "the manifest",
/// "the numbers file `east.txt`"), refused before it was opened: a FIFO would block
/// validation or stream without end.
pub(crate) fn not_regular(path: &Path, what: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(
        path,
        1,
        1,
        format!("{what} is {kind}, not a regular file; it was not opened"),
    )
    .with_rule(rule::NOT_A_FILE)
    .with_help(not_regular_help())
}

/// The fix for a path that is not a regular file.
pub(crate) fn not_regular_help() -> String {
    "point at a regular file: telrep does not read pipes, sockets, devices or directories"
        .to_owned()
}
