//! The `numbers` list: inline numbers and numbers files, each number checked against
//! libphonenumber and against every number before it.

use crate::model::{NumberMap, NumberSet};
use std::path::PathBuf;

use super::files::{file_problem, not_regular_help, nul_problem};
use super::{NUMBERS_FILE_FIELDS, Walker, to_u32};
use crate::manifest::diagnostic::{Diagnostic, escaped_path, shown, shown_path};
use crate::manifest::numbers::{self, UsLocalCheck};
use crate::manifest::rule;
use crate::manifest::source::{self, NUMBERS_FILE_LIMIT, ReadError};
use crate::manifest::tree::{Node, Value};
use crate::model::{E164, NumberList, Origin};

impl Walker<'_> {
    pub(super) fn numbers(&mut self, node: &Node) -> Option<NumberList> {
        let Value::Seq(entries) = &node.value else {
            self.error(
                rule::INVALID_TYPE,
                node.place,
                format!("expected a list for `numbers`, found {}", node.value.kind()),
                Some("write one `- \"+12025551234\"` or `- file: PATH` per line".to_owned()),
            );
            return None;
        };
        let mut collector = NumberCollector::new(self.source.path.clone());
        // The numbers files read so far (canonical) and the line that named each.
        let mut files = Vec::new();
        for entry in entries {
            match &entry.value {
                Value::Str(text) => {
                    let origin = Origin {
                        source: 0,
                        line: to_u32(entry.place.line),
                        column: to_u32(entry.place.column),
                    };
                    if let Err(problem) = collector.add(text, origin) {
                        self.error(problem.rule, entry.place, problem.message, problem.help);
                    }
                }
                Value::Int(_) => {
                    self.unquoted_number(entry, "numbers");
                }
                Value::Map(_) => {
                    let Some(mapping) =
                        self.mapping(entry, entry.place, "a `numbers` entry", NUMBERS_FILE_FIELDS)
                    else {
                        continue;
                    };
                    let Some((_, file)) = self.required(&mapping, "file") else {
                        continue;
                    };
                    self.numbers_file(file, &mut collector, &mut files);
                }
                other => self.error(
                    rule::INVALID_TYPE,
                    entry.place,
                    format!(
                        "expected an E.164 number or `file: PATH` in `numbers`, found {}",
                        other.kind()
                    ),
                    None,
                ),
            }
        }
        Some(collector.finish())
    }

    /// A numbers file's text, or `None` with its problem reported at the `file:` entry.
    fn read_numbers_file(&mut self, node: &Node, path: &std::path::Path) -> Option<String> {
        let path = path.to_path_buf();
        match source::read_text(&path, NUMBERS_FILE_LIMIT) {
            Ok(contents) => return Some(contents),
            Err(ReadError::Io(error)) => {
                self.error(
                    rule::UNREADABLE_FILE,
                    node.place,
                    format!("cannot read `{}`: {error}", shown_path(&path)),
                    None,
                );
            }
            Err(ReadError::NotRegular { kind }) => {
                self.error(
                    rule::NOT_A_FILE,
                    node.place,
                    format!(
                        "the numbers file `{}` is {kind}, not a regular file; it was not opened",
                        shown_path(&path)
                    ),
                    Some(not_regular_help()),
                );
            }
            Err(ReadError::TooLarge { size, limit }) => {
                self.error(
                    rule::FILE_TOO_LARGE,
                    node.place,
                    format!(
                        "the numbers file `{}` {}",
                        shown_path(&path),
                        source::over_limit(size, limit)
                    ),
                    Some("split it into several files of at most 64 MiB".to_owned()),
                );
            }
            Err(ReadError::NotUtf8 {
                offset,
                valid_prefix,
            }) => {
                self.push(file_problem(
                    &path,
                    &valid_prefix,
                    offset,
                    format!("the numbers file is not UTF-8 text: invalid byte at offset {offset}"),
                ));
            }
            Err(ReadError::Nul {
                offset,
                valid_prefix,
            }) => {
                self.push(nul_problem(&path, &valid_prefix, offset));
            }
        }
        None
    }

    /// Reads one numbers file into `collector`; `files` holds the files read before, so a
    /// file listed twice is one problem, not one per number.
    fn numbers_file(
        &mut self,
        node: &Node,
        collector: &mut NumberCollector,
        files: &mut Vec<(PathBuf, usize)>,
    ) {
        let Some(text) = self.string(node, "file") else {
            return;
        };
        let Some(path) = self.contained_path(node, &text) else {
            return;
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some((_, line)) = files.iter().find(|(seen, _)| *seen == canonical) {
            let first = *line;
            self.error(
                rule::DUPLICATE_FILE,
                node.place,
                format!(
                    "the numbers file `{}` is listed twice; it is first at line {first}",
                    shown(&text)
                ),
                Some(format!(
                    "remove one of the two `file:` entries (lines {first} and {})",
                    node.place.line
                )),
            );
            return;
        }
        files.push((canonical, node.place.line));
        let Some(contents) = self.read_numbers_file(node, &path) else {
            return;
        };
        let source_index = collector.add_source(path.clone());
        // A number line is 13 bytes; reserving up front spares the rehashing of a big fleet.
        collector.reserve(contents.len() / 13);
        for entry in numbers::entries(&contents) {
            let origin = Origin {
                source: source_index,
                line: to_u32(entry.line),
                column: to_u32(entry.column),
            };
            if let Err(problem) = collector.add(entry.text, origin) {
                let mut diagnostic =
                    Diagnostic::error(&path, entry.line, entry.column, problem.message)
                        .with_rule(problem.rule)
                        .with_source(entry.line_text, entry.text.chars().count());
                diagnostic.help = problem.help;
                self.push(diagnostic);
            }
        }
    }
}

/// A problem with one number, before it is placed in a file.
struct NumberProblem {
    rule: &'static str,
    message: String,
    help: Option<String>,
}

/// Gathers the manifest's numbers in order, checking each and spotting duplicates.
struct NumberCollector {
    list: NumberList,
    check: UsLocalCheck,
    /// Every number so far: 8 bytes each, so a million fit the cache far better than with
    /// their places beside them (a map of 24-byte entries took twice as long to fill).
    seen: NumberSet,
    /// Where each number so far is in `list`, built at the first duplicate only (the
    /// first place is what its message names).
    first_at: Option<NumberMap<u32>>,
}

impl NumberCollector {
    fn new(manifest: PathBuf) -> Self {
        Self {
            list: NumberList {
                sources: vec![manifest],
                ..NumberList::default()
            },
            check: UsLocalCheck::new(),
            seen: NumberSet::default(),
            first_at: None,
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.list.numbers.reserve(additional);
        self.list.origins.reserve(additional);
        self.seen.reserve(additional);
    }

    fn add_source(&mut self, path: PathBuf) -> u32 {
        self.list.sources.push(path);
        to_u32(self.list.sources.len() - 1)
    }

    fn add(&mut self, text: &str, origin: Origin) -> Result<(), NumberProblem> {
        let Some(number) = E164::parse(text) else {
            return Err(NumberProblem {
                rule: rule::INVALID_NUMBER,
                message: format!(
                    "expected an E.164 number like `+12025551234`, found `{}`",
                    shown(text)
                ),
                help: csv_hint(text).or_else(|| e164_hint(text)),
            });
        };
        if let Some((message, help)) = self.check.verdict(number).problem(number) {
            return Err(NumberProblem {
                rule: rule::INVALID_NUMBER,
                message,
                help: Some(help),
            });
        }
        // One lookup: a million numbers hashed twice was a tenth of loading the manifest.
        if !self.seen.insert(number) {
            return Err(self.duplicate(number));
        }
        if let Some(first_at) = &mut self.first_at {
            first_at.insert(number, to_u32(self.list.numbers.len()));
        }
        self.list.numbers.push(number);
        self.list.origins.push(origin);
        Ok(())
    }

    /// The problem of `number` listed again, naming where it was first.
    fn duplicate(&mut self, number: E164) -> NumberProblem {
        let list = &self.list;
        let first_at = self.first_at.get_or_insert_with(|| {
            let mut first_at = NumberMap::default();
            first_at.reserve(list.numbers.len());
            for (index, listed) in list.numbers.iter().enumerate() {
                first_at.insert(*listed, to_u32(index));
            }
            first_at
        });
        let place = first_at
            .get(&number)
            .and_then(|index| list.origins.get(usize::try_from(*index).ok()?))
            .and_then(|first| {
                let path = list.sources.get(usize::try_from(first.source).ok()?)?;
                Some(format!(
                    "{}:{}:{}",
                    escaped_path(path),
                    first.line,
                    first.column
                ))
            })
            .unwrap_or_default();
        NumberProblem {
            rule: rule::DUPLICATE_NUMBER,
            message: format!("duplicate number `{number}`, first listed at {place}"),
            help: Some("remove one of the two".to_owned()),
        }
    }

    fn finish(self) -> NumberList {
        self.list
    }
}

/// For a line of a CSV file (`+12025551234,Main`, or a header `phone_number,label`): the
/// numbers file format, which is one number a line.
fn csv_hint(text: &str) -> Option<String> {
    let (first, rest) = text.split_once([',', ';', '\t'])?;
    let first = first.trim().trim_matches('"');
    if let Some(number) = e164_spelling(first) {
        let comment = shown(rest.trim().trim_matches('"'));
        return Some(format!(
            "this looks like CSV; a numbers file holds one number a line: write `{number}`, \
             or `{number}  # {comment}` to keep the rest as a comment"
        ));
    }
    (!first.chars().any(|character| character.is_ascii_digit())).then(|| {
        let text = shown(text);
        format!(
            "this looks like a CSV header; a numbers file holds one number a line: remove it, \
             or make it a comment: `# {text}`"
        )
    })
}

/// The E.164 spelling of a US number written in a national style, if that is what it is.
pub(super) fn e164_hint(text: &str) -> Option<String> {
    let candidate = e164_spelling(text)?;
    (candidate != text).then(|| format!("write it as `{candidate}`"))
}

/// `text` as E.164 when it is a US number in E.164 or a national style.
fn e164_spelling(text: &str) -> Option<String> {
    // A national spelling is a few dozen characters; a huge line is not copied to find out.
    if text.len() > 64 {
        return None;
    }
    let national_style = text
        .chars()
        .all(|character| character.is_ascii_digit() || " -.()+".contains(character));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let candidate = match digits.len() {
        10 => format!("+1{digits}"),
        11 if digits.starts_with('1') => format!("+{digits}"),
        _ => return None,
    };
    national_style.then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The places of the first listing are kept from the first duplicate on, so a number
    /// added after it and then listed again is named at its own first line too.
    #[test]
    fn each_duplicate_names_where_its_number_was_first_listed() {
        let mut collector = NumberCollector::new("acme.yaml".into());
        let at = |line| Origin {
            source: 0,
            line,
            column: 7,
        };
        let lines = [
            ("+12025550101", 1),
            ("+12025550102", 2),
            ("+12025550101", 3),
            ("+12025550103", 4),
            ("+12025550103", 5),
            ("+12025550102", 6),
        ];
        let problems: Vec<String> = lines
            .iter()
            .filter_map(|(text, line)| collector.add(text, at(*line)).err())
            .map(|problem| problem.message)
            .collect();
        assert_eq!(
            problems,
            [
                "duplicate number `+12025550101`, first listed at acme.yaml:1:7",
                "duplicate number `+12025550103`, first listed at acme.yaml:4:7",
                "duplicate number `+12025550102`, first listed at acme.yaml:2:7",
            ]
        );
        let list = collector.finish();
        assert_eq!(list.numbers.len(), 3);
        assert_eq!(
            list.origins
                .iter()
                .map(|origin| origin.line)
                .collect::<Vec<_>>(),
            [1, 2, 4]
        );
    }

    #[test]
    fn e164_hints() {
        assert_eq!(
            e164_hint("202-555-1234").as_deref(),
            Some("write it as `+12025551234`")
        );
        assert_eq!(
            e164_hint("1 (202) 555-1234").as_deref(),
            Some("write it as `+12025551234`")
        );
        assert_eq!(e164_hint("+12025551234"), None);
        assert_eq!(e164_hint("call me"), None);
        assert_eq!(
            csv_hint("202-555-1234;Main").as_deref(),
            Some(
                "this looks like CSV; a numbers file holds one number a line: write \
                 `+12025551234`, or `+12025551234  # Main` to keep the rest as a comment"
            )
        );
        assert_eq!(csv_hint("+1202555,x"), None);
        assert_eq!(csv_hint("+12025551234"), None);
    }
}
