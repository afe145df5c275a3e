//! The `reputation` section: `enabled`, the LOA, `check_frequency`, `prune`, and the
//! `numbers` list (walked in `numbers`).

use super::enterprise::lowercase_uuid_help;
use super::files::sha256_hex;
use super::{LOA_FIELDS, LOA_LIMIT, REPUTATION_FIELDS, Walker};
use crate::manifest::rule;
use crate::manifest::source;
use crate::manifest::tree::{Node, Place};
use crate::model::{CheckFrequency, Loa, NumberList, ReputationSpec};

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
        let prune = match mapping.get("prune") {
            None => Some(false),
            Some(node) => self.boolean(node, "prune"),
        };
        enabled?;
        Some(ReputationSpec::Enabled {
            loa: loa?,
            check_frequency: check_frequency?,
            numbers: numbers?,
            prune: prune?,
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
                    format!("expected a lowercase UUID for `document_id`, found `{text}`"),
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

    pub(super) fn loa_file(&mut self, node: &Node) -> Option<Loa> {
        let text = self.string(node, "file")?;
        let path = self.contained_path(node, &text)?;
        let mut head = [0_u8; 5];
        let read = std::fs::File::open(&path).and_then(|mut file| {
            let size = file.metadata()?.len();
            let count = std::io::Read::read(&mut file, &mut head)?;
            Ok((size, count))
        });
        match read {
            Err(error) => self.error(
                rule::UNREADABLE_FILE,
                node.place,
                format!("cannot read the LOA `{}`: {error}", path.display()),
                None,
            ),
            Ok((size, _)) if size > LOA_LIMIT => self.error(
                rule::FILE_TOO_LARGE,
                node.place,
                format!(
                    "the LOA `{}` is too large for the documents API: it {}",
                    path.display(),
                    source::over_limit(size, LOA_LIMIT)
                ),
                Some("compress or rescan the PDF below 20 MB".to_owned()),
            ),
            Ok((_, count)) if head.get(..count) != Some(b"%PDF-".as_slice()) => self.error(
                rule::LOA_NOT_PDF,
                node.place,
                format!(
                    "the LOA `{}` is not a PDF (it does not start with `%PDF-`)",
                    path.display()
                ),
                Some("point `file` at the signed Letter of Authorization in PDF form".to_owned()),
            ),
            Ok(_) => match std::fs::read(&path) {
                // Hashed now, so plan can match the file to the live LOA by its sha256.
                Ok(content) => {
                    return Some(Loa::File {
                        sha256: sha256_hex(&content),
                        size: u64::try_from(content.len()).unwrap_or(u64::MAX),
                        path,
                    });
                }
                Err(error) => self.error(
                    rule::UNREADABLE_FILE,
                    node.place,
                    format!("cannot read the LOA `{}`: {error}", path.display()),
                    None,
                ),
            },
        }
        None
    }
}
