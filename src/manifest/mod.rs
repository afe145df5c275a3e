//! Reading manifests: guarded file reading, the YAML tree with places, validation into a
//! `Desired` with every problem reported at once, and the manifest's JSON Schema.
//!
//! The only module besides `cli` that touches the file system for manifests; it depends on
//! `model` and nothing else in the crate.

mod diagnostic;
mod find;
mod nanp;
mod numbers;
mod raw;
pub mod rule;
mod source;
mod suggest;
mod tree;
mod validate;

use std::path::{Path, PathBuf};

use diagnostic::shown_path;
pub use diagnostic::{Diagnostic, Severity, escaped_path};
pub use find::parse_exclude;
pub use globset::Glob;
pub use numbers::{Entry, UsLocalCheck, Verdict, ask_libphonenumber, entries};
pub use raw::{Manifest, schema};
pub use source::{MANIFEST_LIMIT, NUMBERS_FILE_LIMIT};
pub(crate) use validate::{
    ADDRESS_FIELDS, BILLING_CONTACT_FIELDS, ENTERPRISE_FIELDS, ORGANIZATION_CONTACT_FIELDS,
};
pub use validate::{LOA_LIMIT, LoadOptions};

use crate::model::Desired;
use source::{ReadError, SourceText};

/// Reads, parses and validates one manifest (and the numbers files it names): the
/// `Desired` it declares, or every problem found.
pub fn load(path: &Path, options: LoadOptions) -> Result<Desired, Vec<Diagnostic>> {
    let source = match SourceText::read(path, MANIFEST_LIMIT) {
        Ok(source) => source,
        Err(error) => return Err(vec![read_problem(path, error)]),
    };
    let root = match tree::parse(&source.text) {
        Ok(root) => root,
        Err(error) => {
            let (line, column) = error
                .place
                .map_or((1, 1), |place| (place.line.max(1), place.column.max(1)));
            let mut diagnostic = Diagnostic::error(
                path,
                line,
                column,
                format!("invalid YAML: {}", error.message),
            )
            .with_rule(error.rule);
            if let Some(line_text) = source.line(line) {
                diagnostic = diagnostic.with_source(line_text, 1);
            }
            return Err(vec![diagnostic]);
        }
    };
    validate::validate(&source, &root, options)
}

fn read_problem(path: &Path, error: ReadError) -> Diagnostic {
    match error {
        ReadError::Io(error) => {
            Diagnostic::error(path, 1, 1, format!("cannot read the manifest: {error}"))
                .with_rule(rule::UNREADABLE_FILE)
        }
        ReadError::NotRegular { kind } => validate::not_regular(path, "the manifest", kind),
        ReadError::TooLarge { size, limit } => Diagnostic::error(
            path,
            1,
            1,
            format!("the manifest {}", source::over_limit(size, limit)),
        )
        .with_rule(rule::FILE_TOO_LARGE)
        .with_help("move long number lists into numbers files (`- file: PATH`)"),
        ReadError::NotUtf8 {
            offset,
            valid_prefix,
        } => validate::file_problem(
            path,
            &valid_prefix,
            offset,
            format!("the manifest is not UTF-8 text: invalid byte at offset {offset}"),
        ),
        ReadError::Nul {
            offset,
            valid_prefix,
        } => validate::nul_problem(path, &valid_prefix, offset),
    }
}

/// What loading every manifest named on a command line found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The manifests found (files named, and those found in directories), in order.
    pub manifests: Vec<PathBuf>,
    /// The valid ones, in the order of `manifests`.
    pub desireds: Vec<Desired>,
    /// Every problem: first those of the paths themselves (`path_problems` of them: a path
    /// that cannot be read, a directory without manifests, a symlink out of a directory),
    /// then those of each manifest.
    pub diagnostics: Vec<Diagnostic>,
    /// For each of `diagnostics`, the index in `manifests` of the manifest it belongs to
    /// (`None` for a problem with a path itself), so reports can group them per manifest.
    pub owners: Vec<Option<usize>>,
    /// How many of `diagnostics`, from the start, concern paths rather than manifests, so
    /// that a closing count does not call an unreadable path a manifest that failed.
    pub path_problems: usize,
    /// YAML files in the directories that are not telrep manifests, left alone.
    pub skipped: usize,
}

impl Loaded {
    /// How many manifests had at least one problem.
    pub fn failed(&self) -> usize {
        self.manifests.len() - self.desireds.len()
    }
}

/// Finds and loads every manifest named by `paths` (files as given; directories searched
/// for manifests, skipping other YAML and whatever matches `exclude`, see `find`),
/// collecting every problem instead of stopping at the first.
pub fn load_all(paths: &[PathBuf], options: LoadOptions, exclude: &[Glob]) -> Loaded {
    let found = find::find(paths, exclude, options.allow_outside_paths);
    let path_problems = found.problems.len();
    let mut diagnostics = found.problems;
    let mut owners = vec![None; path_problems];
    let mut desireds = Vec::new();
    for (index, path) in found.manifests.iter().enumerate() {
        match load(path, options) {
            Ok(desired) => desireds.push(desired),
            Err(problems) => {
                owners.extend(std::iter::repeat_n(Some(index), problems.len()));
                diagnostics.extend(problems);
            }
        }
    }
    let mut loaded = Loaded {
        manifests: found.manifests,
        desireds,
        diagnostics,
        owners,
        path_problems,
        skipped: found.skipped,
    };
    one_manifest_per_enterprise(&mut loaded);
    loaded
}

/// Two manifests for one enterprise (same `legal_name`, or same `id`) would undo each
/// other's changes on every apply: the later one becomes an error naming both files.
fn one_manifest_per_enterprise(loaded: &mut Loaded) {
    let mut kept: Vec<Desired> = Vec::new();
    for desired in std::mem::take(&mut loaded.desireds) {
        let earlier = kept.iter().find(|other| {
            other.enterprise.legal_name == desired.enterprise.legal_name
                || (desired.enterprise.id.is_some() && other.enterprise.id == desired.enterprise.id)
        });
        let Some(earlier) = earlier else {
            kept.push(desired);
            continue;
        };
        let (what, key) = if earlier.enterprise.legal_name == desired.enterprise.legal_name {
            (
                format!("legal_name `{}`", desired.enterprise.legal_name),
                "legal_name:",
            )
        } else {
            let id = desired.enterprise.id.as_ref().map_or("", |id| id.as_str());
            (format!("id `{id}`"), "id:")
        };
        let (line, column, source_line) = key_place(&desired.manifest, key);
        let mut diagnostic = Diagnostic::error(
            &desired.manifest,
            line,
            column,
            format!(
                "`{}` declares the enterprise with {what}, as `{}` does: two manifests for one enterprise would undo each other's changes",
                shown_path(&desired.manifest),
                shown_path(&earlier.manifest)
            ),
        )
        .with_rule(rule::DUPLICATE_ENTERPRISE)
        .with_help("keep one manifest per enterprise: move this one's numbers into the other (or a numbers file it lists), or pass only one of them");
        if let Some(source_line) = source_line {
            diagnostic = diagnostic.with_source(&source_line, key.len() - 1);
        }
        let owner = loaded
            .manifests
            .iter()
            .position(|path| *path == desired.manifest);
        loaded.diagnostics.push(diagnostic);
        loaded.owners.push(owner);
    }
    loaded.desireds = kept;
}

/// Line, column and text of the first line whose text starts with `key` after
/// indentation, for a diagnostic about a value already validated (1:1 when not found).
fn key_place(manifest: &Path, key: &str) -> (usize, usize, Option<String>) {
    // The place is a pointer for people, not the finding: a manifest that cannot be read
    // again (gone since it was validated) gets the documented 1:1 without a source line.
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let source = SourceText::new(manifest.to_owned(), text);
    (1..)
        .map_while(|number| source.line(number).map(|line| (number - 1, line)))
        .find_map(|(index, line)| {
            let indent = line.len() - line.trim_start().len();
            let column = line.get(..indent).map_or(0, |text| text.chars().count()) + 1;
            line.trim_start()
                .starts_with(key)
                .then(|| (index + 1, column, Some(line.to_owned())))
        })
        .unwrap_or((1, 1, None))
}
