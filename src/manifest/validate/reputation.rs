//! The `reputation` section: `enabled`, the LOA, `check_frequency`, `prune`, and the
//! `numbers` list (walked in `numbers`).

use super::enterprise::lowercase_uuid_help;
use super::files::not_regular_help;
use super::{EXTERNAL_VERIFICATION_FIELDS, LOA_FIELDS, LOA_LIMIT, REPUTATION_FIELDS, Walker};
use crate::manifest::diagnostic::{shown, shown_path};
use crate::manifest::rule;
use crate::manifest::source::{self, Hashed, ReadError};
use crate::manifest::tree::{Node, Place, Value};
use crate::model::{CheckFrequency, ExternalProof, Loa, NumberList, PdfFile, ReputationSpec};

impl Walker<'_> {
    pub(super) fn reputation(&mut self, owner: Place, node: &Node) -> Option<ReputationSpec> {
        let mapping = self.mapping(node, owner, "reputation", REPUTATION_FIELDS)?;
        let enabled = self
            .required(&mapping, "enabled")
            .and_then(|(_, node)| self.boolean(node, "enabled"));
        if enabled == Some(false) {
            return Some(ReputationSpec::Disabled);
        }
        // An `enabled` that is missing or invalid still has the other fields checked as if
        // it were `true`, so one run reports every problem of the section.
        let loa = self
            .required(&mapping, "loa")
            .and_then(|(key, node)| self.loa(key, node));
        let check_frequency = match mapping.get("check_frequency") {
            None => Some(CheckFrequency::default()),
            Some(node) => self.choice(node, "check_frequency"),
        };
        let numbers = match mapping.get("numbers") {
            None => Some(NumberList {
                sources: vec![self.source.path.clone()],
                ..NumberList::default()
            }),
            Some(node) => self.numbers(node),
        };
        // `prune:` with no value is not `false` to the schema: say so rather than guess.
        let prune = match mapping.entries.iter().find(|(key, _)| key.name == "prune") {
            None => Some(false),
            Some((_, node)) if node.value == Value::Null => {
                self.error(
                    rule::INVALID_BOOLEAN,
                    node.place,
                    "expected `true` or `false` for `prune`, found no value".to_owned(),
                    Some("write `prune: false` (the default), or remove the key".to_owned()),
                );
                None
            }
            Some((_, node)) => self.boolean(node, "prune"),
        };
        let external_verification = match mapping.get("external_verification") {
            None => Some(None),
            Some(node) => self.external_verification(node).map(Some),
        };
        enabled?;
        Some(ReputationSpec::Enabled {
            loa: loa?,
            check_frequency: check_frequency?,
            numbers: numbers?,
            prune: prune?,
            external_verification: external_verification?,
        })
    }

    pub(super) fn loa(&mut self, owner: Place, node: &Node) -> Option<Loa> {
        let mapping = self.mapping(node, owner, "reputation.loa", LOA_FIELDS)?;
        match (mapping.get("document_id"), mapping.get("file")) {
            (Some(document_id), None) => {
                let text = self.string(document_id, "document_id")?;
                if crate::model::is_lowercase_uuid(&text) {
                    return Some(Loa::DocumentId(text));
                }
                self.error(
                    rule::INVALID_VALUE,
                    document_id.place,
                    format!(
                        "expected a lowercase UUID for `document_id`, found `{}`",
                        shown(&text)
                    ),
                    Some(lowercase_uuid_help(&text).unwrap_or_else(|| {
                        "copy the `id` that `POST /documents` returned".to_owned()
                    })),
                );
                None
            }
            (None, Some(file)) => self.loa_file(file),
            (Some(_), Some(file)) => {
                self.error(
                    rule::CONFLICTING_FIELDS,
                    file.place,
                    "`reputation.loa` has both `document_id` and `file`".to_owned(),
                    Some("keep exactly one of them".to_owned()),
                );
                None
            }
            (None, None) => {
                self.error(rule::MISSING_FIELD,
                    mapping.owner,
                    "`reputation.loa` needs `document_id` or `file`".to_owned(),
                    Some("add `file: PATH` for a signed PDF telrep uploads, or `document_id: ID` for one already uploaded".to_owned()),
                );
                None
            }
        }
    }

    /// `loa.file`: a regular file of at most 20 MB that starts with `%PDF-`, hashed while
    /// it is read (at most the limit plus one byte), so plan can match it to the live LOA
    /// by its sha256.
    pub(super) fn loa_file(&mut self, node: &Node) -> Option<Loa> {
        let text = self.string(node, "file")?;
        let PdfFile { path, sha256, size } = self.pdf(node, &text, Pdf::Loa)?;
        Some(Loa::File { path, sha256, size })
    }

    /// `external_verification`: exactly one of `files` (PDFs, checked like `loa.file`) or
    /// `document_ids`, each a non-empty list.
    fn external_verification(&mut self, node: &Node) -> Option<ExternalProof> {
        let owner = node.place;
        let field = "reputation.external_verification";
        let mapping = self.mapping(node, owner, field, EXTERNAL_VERIFICATION_FIELDS)?;
        match (mapping.get("files"), mapping.get("document_ids")) {
            (Some(files), None) => {
                let items = self.nonempty_list(files, "files")?;
                let mut pdfs = Vec::new();
                for item in items {
                    let text = self.string(item, "files")?;
                    pdfs.push(self.pdf(item, &text, Pdf::Proof));
                }
                pdfs.into_iter()
                    .collect::<Option<_>>()
                    .map(ExternalProof::Files)
            }
            (None, Some(ids)) => {
                let items = self.nonempty_list(ids, "document_ids")?;
                let ids: Vec<Option<String>> =
                    items.iter().map(|item| self.document_id(item)).collect();
                ids.into_iter()
                    .collect::<Option<_>>()
                    .map(ExternalProof::DocumentIds)
            }
            (Some(_), Some(ids)) => {
                self.error(
                    rule::CONFLICTING_FIELDS,
                    ids.place,
                    "`reputation.external_verification` has both `files` and `document_ids`"
                        .to_owned(),
                    Some("keep exactly one of them".to_owned()),
                );
                None
            }
            (None, None) => {
                self.error(
                    rule::MISSING_FIELD,
                    mapping.owner,
                    "`reputation.external_verification` needs `files` or `document_ids`".to_owned(),
                    Some("add `files: [PATH, ...]` for PDFs telrep uploads (a carrier invoice, an account statement), or `document_ids: [ID, ...]` for documents already uploaded; or remove the key".to_owned()),
                );
                None
            }
        }
    }

    /// The items of a list that must hold at least one.
    fn nonempty_list<'n>(&mut self, node: &'n Node, field: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) if !items.is_empty() => Some(items),
            Value::Seq(_) => {
                self.error(
                    rule::INVALID_VALUE,
                    node.place,
                    format!("`{field}` is empty"),
                    Some(
                        "list at least one document, or remove `external_verification`".to_owned(),
                    ),
                );
                None
            }
            other => {
                self.error(
                    rule::INVALID_TYPE,
                    node.place,
                    format!("expected a list for `{field}`, found {}", other.kind()),
                    Some(format!("write `{field}: [...]`, one entry per document")),
                );
                None
            }
        }
    }

    /// A document id: a lowercase UUID.
    fn document_id(&mut self, node: &Node) -> Option<String> {
        let text = self.string(node, "document_ids")?;
        if crate::model::is_lowercase_uuid(&text) {
            return Some(text);
        }
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected a lowercase UUID in `document_ids`, found `{}`",
                shown(&text)
            ),
            Some(
                lowercase_uuid_help(&text)
                    .unwrap_or_else(|| "copy the `id` that `POST /documents` returned".to_owned()),
            ),
        );
        None
    }

    /// A PDF of at most 20 MB, hashed while it is read (at most the limit plus one byte).
    fn pdf(&mut self, node: &Node, text: &str, what: Pdf) -> Option<PdfFile> {
        let path = self.contained_path(node, text)?;
        let hashed = source::open_regular(&path).and_then(|file| {
            source::checked_size(&file, LOA_LIMIT)?;
            source::hash_capped(file, LOA_LIMIT)
        });
        let noun = what.noun();
        let (rule, message, help) = match hashed {
            Ok(Hashed {
                is_pdf: true,
                sha256,
                size,
            }) => return Some(PdfFile { path, sha256, size }),
            Ok(Hashed { is_pdf: false, .. }) => (
                what.not_pdf_rule(),
                format!(
                    "{noun} `{}` is not a PDF (it does not start with `%PDF-`)",
                    shown_path(&path)
                ),
                Some(what.not_pdf_help().to_owned()),
            ),
            Err(ReadError::TooLarge { size, limit }) => (
                rule::FILE_TOO_LARGE,
                format!(
                    "{noun} `{}` is too large for the documents API: it {}",
                    shown_path(&path),
                    source::over_limit(size, limit)
                ),
                Some("compress or rescan the PDF below 20 MB".to_owned()),
            ),
            Err(ReadError::NotRegular { kind }) => (
                rule::NOT_A_FILE,
                format!(
                    "{noun} `{}` is {kind}, not a regular file; it was not opened",
                    shown_path(&path)
                ),
                Some(not_regular_help()),
            ),
            Err(ReadError::Io(error)) => (
                rule::UNREADABLE_FILE,
                format!("cannot read {noun} `{}`: {error}", shown_path(&path)),
                None,
            ),
            // Not produced when hashing (a PDF is bytes, not text), but never silent.
            Err(ReadError::NotUtf8 { .. } | ReadError::Nul { .. }) => (
                rule::UNREADABLE_FILE,
                format!("cannot read {noun} `{}`", shown_path(&path)),
                Some("this is a bug in telrep; please report it".to_owned()),
            ),
        };
        self.error(rule, node.place, message, help);
        None
    }
}

/// Which PDF a manifest names: its messages differ, its checks do not.
#[derive(Debug, Clone, Copy)]
enum Pdf {
    /// `loa.file`.
    Loa,
    /// An entry of `external_verification.files`.
    Proof,
}

impl Pdf {
    fn noun(self) -> &'static str {
        match self {
            Self::Loa => "the LOA",
            Self::Proof => "the ownership proof",
        }
    }

    fn not_pdf_rule(self) -> &'static str {
        match self {
            Self::Loa => rule::LOA_NOT_PDF,
            Self::Proof => rule::PROOF_NOT_PDF,
        }
    }

    fn not_pdf_help(self) -> &'static str {
        match self {
            Self::Loa => "point `file` at the signed Letter of Authorization in PDF form",
            Self::Proof => {
                "point the entry at a PDF of the proof (a carrier invoice or an account statement)"
            }
        }
    }
}
