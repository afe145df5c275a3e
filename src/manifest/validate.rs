//! Turns a manifest's YAML tree into a `Desired`, collecting every problem on the way.
//!
//! Each check points at the offending item: the key for an unknown key, the value (its
//! opening quote when quoted) for a bad value, the path for a `file:` entry, the second
//! occurrence of a duplicate. Field names, types and limits follow `raw.rs` (the schema)
//! and docs/api.md ("Enterprises", "Reputation settings", "Documents").

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::numbers::{self, UsLocalCheck};
use super::source::{self, NUMBERS_FILE_LIMIT, ReadError, SourceText};
use super::suggest::suggest;
use super::tree::{Key, Node, Place, Value};
use crate::model::{
    Address, BillingContact, CheckFrequency, CountryCode, Desired, E164, EnterpriseId,
    EnterpriseSpec, Loa, NumberList, OrganizationContact, Origin, ReputationSpec, WireEnum,
};

pub(crate) const MANIFEST_FIELDS: &[&str] = &["version", "enterprise", "reputation"];
pub(crate) const ENTERPRISE_FIELDS: &[&str] = &[
    "id",
    "legal_name",
    "doing_business_as",
    "organization_type",
    "country_code",
    "website",
    "fein",
    "industry",
    "number_of_employees",
    "organization_legal_type",
    "jurisdiction_of_incorporation",
    "organization_contact",
    "billing_contact",
    "organization_physical_address",
    "billing_address",
    "role_type",
    "customer_reference",
    "corporate_registration_number",
    "dun_bradstreet_number",
    "primary_business_domain_sic_code",
    "professional_license_number",
];
pub(crate) const ORGANIZATION_CONTACT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone_number",
];
pub(crate) const BILLING_CONTACT_FIELDS: &[&str] =
    &["first_name", "last_name", "email", "phone_number"];
pub(crate) const ADDRESS_FIELDS: &[&str] = &[
    "country",
    "administrative_area",
    "city",
    "postal_code",
    "street_address",
    "extended_address",
];
pub(crate) const REPUTATION_FIELDS: &[&str] =
    &["enabled", "loa", "check_frequency", "numbers", "prune"];
pub(crate) const LOA_FIELDS: &[&str] = &["document_id", "file"];
pub(crate) const NUMBERS_FILE_FIELDS: &[&str] = &["file"];

/// The largest LOA the documents API takes (docs/api.md, "Documents": 20 MB). Read as
/// 20,000,000 bytes, the stricter reading of "MB".
pub const LOA_LIMIT: u64 = 20_000_000;

/// What the caller allows beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    pub allow_outside_paths: bool,
}

/// Walks the tree of `source` (a manifest) into a `Desired`; `Err` holds every problem.
pub fn validate(
    source: &SourceText,
    root: &Node,
    options: LoadOptions,
) -> Result<Desired, Vec<Diagnostic>> {
    // The parent as the user named it (empty for a manifest in the current directory), so
    // that joined paths read `numbers/east.txt`, not `./numbers/east.txt`.
    let directory = source
        .path
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut walker = Walker {
        source,
        directory,
        options,
        diagnostics: Vec::new(),
    };
    let desired = walker.manifest(root);
    match desired {
        Some(desired) if walker.diagnostics.is_empty() => Ok(desired),
        _ => Err(in_reading_order(&source.path, walker.diagnostics)),
    }
}

/// Orders diagnostics as a reader meets them: the manifest first, then each numbers file in
/// the order the manifest names them, each by line and column.
fn in_reading_order(manifest: &Path, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut files = vec![manifest.to_path_buf()];
    for diagnostic in &diagnostics {
        if !files.contains(&diagnostic.file) {
            files.push(diagnostic.file.clone());
        }
    }
    diagnostics.sort_by_key(|diagnostic| {
        let rank = files.iter().position(|file| *file == diagnostic.file);
        (rank, diagnostic.line, diagnostic.column)
    });
    diagnostics
}

struct Walker<'s> {
    source: &'s SourceText,
    directory: PathBuf,
    options: LoadOptions,
    diagnostics: Vec<Diagnostic>,
}

/// A mapping's entries with the place to blame when a required key is missing.
struct Mapping<'n> {
    entries: &'n [(Key, Node)],
    /// Where "missing field" points: the key that holds this mapping.
    owner: Place,
    /// How messages name this mapping: `enterprise`, `reputation.loa`.
    name: &'static str,
    /// Fields that an unknown key here was taken for a misspelling of: their absence is
    /// already reported by that key's "did you mean".
    suggested: Vec<&'static str>,
}

impl<'n> Mapping<'n> {
    fn get(&self, field: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == field)
            .map(|(_, node)| node)
            .filter(|node| node.value != Value::Null)
    }
}

impl Walker<'_> {
    fn error(&mut self, place: Place, message: String, help: Option<String>) {
        let line = place.line.max(1);
        let column = place.column.max(1);
        let mut diagnostic = Diagnostic::error(&self.source.path, line, column, message);
        if let Some(line_text) = self.source.line(line) {
            let length = place
                .offset
                .and_then(|offset| self.source.text.get(offset..offset + place.length))
                .map_or(1, |text| {
                    text.lines().next().map_or(1, |first| first.chars().count())
                });
            diagnostic = diagnostic.with_source(line_text, length);
        }
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }

    /// The node's text as written in the file (for unquoted numbers and the like).
    fn literal(&self, node: &Node) -> String {
        node.place
            .offset
            .and_then(|offset| self.source.text.get(offset..offset + node.place.length))
            .map_or_else(String::new, |text| text.trim().to_owned())
    }

    fn manifest(&mut self, root: &Node) -> Option<Desired> {
        // A missing top-level field points at the first key, not at a leading comment.
        let mapping = self.mapping(root, root.place, "the manifest", MANIFEST_FIELDS)?;
        self.version(&mapping);
        let enterprise = self
            .required(&mapping, "enterprise")
            .and_then(|(key, node)| self.enterprise(key, node));
        let reputation = self
            .required(&mapping, "reputation")
            .and_then(|(key, node)| self.reputation(key, node));
        Some(Desired {
            manifest: self.source.path.clone(),
            enterprise: enterprise?,
            reputation: reputation?,
        })
    }

    fn version(&mut self, mapping: &Mapping<'_>) {
        let Some((_, node)) = self.required(mapping, "version") else {
            return;
        };
        if node.value != Value::Int(1) {
            let found = self.literal(node);
            self.error(
                node.place,
                format!("unsupported manifest version `{found}`; this telrep reads version 1"),
                Some("write `version: 1`".to_owned()),
            );
        }
    }

    /// Checks that `node` is a mapping and that every key is one of `known`.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        owner: Place,
        name: &'static str,
        known: &'static [&'static str],
    ) -> Option<Mapping<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.place,
                format!("expected a mapping for {name}, found {}", node.value.kind()),
                None,
            );
            return None;
        };
        let mut suggested = Vec::new();
        for (key, _) in entries {
            if !known.contains(&key.name.as_str()) {
                let near = suggest(&key.name, known.iter().copied());
                suggested.extend(near);
                let help = near
                    .map(|near| format!("did you mean `{near}`?"))
                    .or_else(|| {
                        Some(format!(
                            "{name} has these fields: {}",
                            known
                                .iter()
                                .map(|field| format!("`{field}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    });
                self.error(
                    key.place,
                    format!("unknown field `{}` in {name}", key.name),
                    help,
                );
            }
        }
        Some(Mapping {
            entries,
            owner,
            name,
            suggested,
        })
    }

    /// The entry for a required field, or a "missing field" error at the mapping's key.
    fn required<'n>(
        &mut self,
        mapping: &Mapping<'n>,
        field: &'static str,
    ) -> Option<(Place, &'n Node)> {
        let found = mapping
            .entries
            .iter()
            .find(|(key, _)| key.name == field)
            .map(|(key, node)| (key.place, node));
        match found {
            Some((_, node)) if node.value == Value::Null => {
                self.error(
                    node.place,
                    format!("`{field}` in {} has no value", mapping.name),
                    Some(format!("give `{field}` a value")),
                );
                None
            }
            Some(found) => Some(found),
            None if mapping.suggested.contains(&field) => None,
            None => {
                self.error(
                    mapping.owner,
                    format!("missing field `{field}` in {}", mapping.name),
                    Some(format!("add `{field}:` to {}", mapping.name)),
                );
                None
            }
        }
    }

    /// A string value; numbers and booleans are refused with a hint to quote them.
    fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            Value::Str(text) => Some(text.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let literal = self.literal(node);
                self.error(
                    node.place,
                    format!(
                        "expected a string for `{field}`, found {} `{literal}`",
                        node.value.kind()
                    ),
                    Some(format!("quote it: `\"{literal}\"`")),
                );
                None
            }
            other => {
                self.error(
                    node.place,
                    format!("expected a string for `{field}`, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A string of `min..=max` characters.
    fn text(&mut self, node: &Node, field: &str, min: usize, max: usize) -> Option<String> {
        let text = self.string(node, field)?;
        let length = text.chars().count();
        if length < min || length > max {
            let message = if length == 0 {
                format!("`{field}` is empty")
            } else if length < min {
                format!("`{field}` is {length} characters long; the API needs at least {min}")
            } else {
                format!("`{field}` is {length} characters long; the API allows at most {max}")
            };
            self.error(node.place, message, None);
            return None;
        }
        Some(text)
    }

    /// A required string field of at most `max` characters, not empty.
    fn required_text(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
        max: usize,
    ) -> Option<String> {
        let (_, node) = self.required(mapping, field)?;
        self.text(node, field, 1, max)
    }

    fn optional_text(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
    ) -> Option<Option<String>> {
        match mapping.get(field) {
            None => Some(None),
            Some(node) => self.string(node, field).map(Some),
        }
    }

    fn choice<T: WireEnum>(&mut self, node: &Node, field: &str) -> Option<T> {
        let text = self.string(node, field)?;
        if let Some(value) = T::from_wire(&text) {
            return Some(value);
        }
        let names = T::ALL.iter().map(|value| value.as_str());
        let help = suggest(&text, names.clone())
            .map(|near| format!("did you mean `{near}`?"))
            .unwrap_or_else(|| {
                format!(
                    "expected one of {}",
                    names
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        self.error(
            node.place,
            format!("unknown `{field}` value `{text}`"),
            Some(help),
        );
        None
    }

    fn required_choice<T: WireEnum>(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
    ) -> Option<T> {
        let (_, node) = self.required(mapping, field)?;
        self.choice(node, field)
    }

    fn boolean(&mut self, node: &Node, field: &str) -> Option<bool> {
        if let Value::Bool(value) = node.value {
            return Some(value);
        }
        let literal = self.literal(node);
        self.error(
            node.place,
            format!("expected `true` or `false` for `{field}`, found `{literal}`"),
            None,
        );
        None
    }

    fn enterprise(&mut self, owner: Place, node: &Node) -> Option<EnterpriseSpec> {
        let mapping = self.mapping(node, owner, "enterprise", ENTERPRISE_FIELDS)?;
        let id = match mapping.get("id") {
            None => Some(None),
            Some(node) => self.id(node).map(Some),
        };
        let legal_name = self
            .required(&mapping, "legal_name")
            .and_then(|(_, node)| self.text(node, "legal_name", 3, 64));
        let doing_business_as = self.required_text(&mapping, "doing_business_as", 255);
        let organization_type = self.required_choice(&mapping, "organization_type");
        let country_code = self.required_choice::<CountryCode>(&mapping, "country_code");
        let website = self
            .required(&mapping, "website")
            .and_then(|(_, node)| self.website(node));
        let fein = self
            .required(&mapping, "fein")
            .and_then(|(_, node)| self.fein(node, country_code));
        let industry = self.required_choice(&mapping, "industry");
        let number_of_employees = self.required_choice(&mapping, "number_of_employees");
        let organization_legal_type = self.required_choice(&mapping, "organization_legal_type");
        let jurisdiction_of_incorporation =
            self.required_text(&mapping, "jurisdiction_of_incorporation", 255);
        let organization_contact = self
            .required(&mapping, "organization_contact")
            .and_then(|(key, node)| self.organization_contact(key, node));
        let billing_contact = self
            .required(&mapping, "billing_contact")
            .and_then(|(key, node)| self.billing_contact(key, node));
        let organization_physical_address = self
            .required(&mapping, "organization_physical_address")
            .and_then(|(key, node)| self.address(key, node, "organization_physical_address"));
        let billing_address = self
            .required(&mapping, "billing_address")
            .and_then(|(key, node)| self.address(key, node, "billing_address"));
        let role_type = match mapping.get("role_type") {
            None => Some(None),
            Some(node) => self.choice(node, "role_type").map(Some),
        };
        let customer_reference = self.optional_text(&mapping, "customer_reference");
        let corporate_registration_number =
            self.optional_text(&mapping, "corporate_registration_number");
        let dun_bradstreet_number = self.optional_text(&mapping, "dun_bradstreet_number");
        let primary_business_domain_sic_code =
            self.optional_text(&mapping, "primary_business_domain_sic_code");
        let professional_license_number =
            self.optional_text(&mapping, "professional_license_number");
        Some(EnterpriseSpec {
            id: id?,
            legal_name: legal_name?,
            doing_business_as: doing_business_as?,
            organization_type: organization_type?,
            country_code: country_code?,
            website: website?,
            fein: fein?,
            industry: industry?,
            number_of_employees: number_of_employees?,
            organization_legal_type: organization_legal_type?,
            jurisdiction_of_incorporation: jurisdiction_of_incorporation?,
            organization_contact: organization_contact?,
            billing_contact: billing_contact?,
            organization_physical_address: organization_physical_address?,
            billing_address: billing_address?,
            role_type: role_type?,
            customer_reference: customer_reference?,
            corporate_registration_number: corporate_registration_number?,
            dun_bradstreet_number: dun_bradstreet_number?,
            primary_business_domain_sic_code: primary_business_domain_sic_code?,
            professional_license_number: professional_license_number?,
        })
    }

    fn id(&mut self, node: &Node) -> Option<EnterpriseId> {
        let text = self.string(node, "id")?;
        if let Some(id) = EnterpriseId::parse(&text) {
            return Some(id);
        }
        let lowered = text.to_ascii_lowercase();
        let help = if EnterpriseId::parse(&lowered).is_some() {
            format!("Telnyx ids are lowercase: write `{lowered}`")
        } else {
            "copy the id from `GET /enterprises`, or remove `id` to match by `legal_name`"
                .to_owned()
        };
        self.error(
            node.place,
            format!("expected a lowercase UUID for `id`, found `{text}`"),
            Some(help),
        );
        None
    }

    fn website(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "website", 1, 255)?;
        let parsed = url::Url::parse(&text);
        let is_web = matches!(&parsed, Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some());
        if is_web {
            return Some(text);
        }
        let help = if parsed.is_err() && !text.contains("://") {
            Some(format!("write the full URL: `https://{text}`"))
        } else {
            None
        };
        self.error(
            node.place,
            format!("expected an http(s) URL for `website`, found `{text}`"),
            help,
        );
        None
    }

    fn fein(&mut self, node: &Node, country_code: Option<CountryCode>) -> Option<String> {
        let text = self.text(node, "fein", 1, 255)?;
        if country_code != Some(CountryCode::Us) || is_us_fein(&text) {
            return Some(text);
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let help = if digits.len() == 9 && digits.len() == text.trim().len() {
            Some(format!(
                "write it as `{}-{}`",
                digits.get(..2).unwrap_or_default(),
                digits.get(2..).unwrap_or_default()
            ))
        } else {
            None
        };
        self.error(
            node.place,
            format!("expected a US FEIN like `12-3456789` for `fein`, found `{text}`"),
            help,
        );
        None
    }

    fn organization_contact(&mut self, owner: Place, node: &Node) -> Option<OrganizationContact> {
        let mapping = self.mapping(
            node,
            owner,
            "organization_contact",
            ORGANIZATION_CONTACT_FIELDS,
        )?;
        let first_name = self.required_text(&mapping, "first_name", 255);
        let last_name = self.required_text(&mapping, "last_name", 255);
        let email = self.email(&mapping);
        let job_title = self.required_text(&mapping, "job_title", 255);
        let phone_number = self.phone_number(&mapping);
        Some(OrganizationContact {
            first_name: first_name?,
            last_name: last_name?,
            email: email?,
            job_title: job_title?,
            phone_number: phone_number?,
        })
    }

    fn billing_contact(&mut self, owner: Place, node: &Node) -> Option<BillingContact> {
        let mapping = self.mapping(node, owner, "billing_contact", BILLING_CONTACT_FIELDS)?;
        let first_name = self.required_text(&mapping, "first_name", 255);
        let last_name = self.required_text(&mapping, "last_name", 255);
        let email = self.email(&mapping);
        let phone_number = self.phone_number(&mapping);
        Some(BillingContact {
            first_name: first_name?,
            last_name: last_name?,
            email: email?,
            phone_number: phone_number?,
        })
    }

    fn email(&mut self, mapping: &Mapping<'_>) -> Option<String> {
        let (_, node) = self.required(mapping, "email")?;
        let text = self.text(node, "email", 1, 255)?;
        if is_plausible_email(&text) {
            return Some(text);
        }
        self.error(
            node.place,
            format!("expected an email address like `jane@acme.com` for `email`, found `{text}`"),
            None,
        );
        None
    }

    fn phone_number(&mut self, mapping: &Mapping<'_>) -> Option<String> {
        let (_, node) = self.required(mapping, "phone_number")?;
        if let Value::Int(_) = node.value {
            return self.unquoted_number(node, "phone_number").and(None);
        }
        let text = self.string(node, "phone_number")?;
        if E164::parse(&text).is_some() {
            return Some(text);
        }
        let help = e164_hint(&text);
        self.error(
            node.place,
            format!(
                "expected an E.164 number like `+12025551234` for `phone_number`, found `{text}`"
            ),
            help,
        );
        None
    }

    /// Reports an unquoted `+1…` that YAML read as an integer.
    fn unquoted_number(&mut self, node: &Node, field: &str) -> Option<()> {
        let literal = self.literal(node);
        self.error(
            node.place,
            format!("expected a quoted E.164 number for `{field}`, found `{literal}`, which YAML reads as an integer"),
            Some(format!("quote it: `\"{literal}\"`")),
        );
        None
    }

    fn address(&mut self, owner: Place, node: &Node, name: &'static str) -> Option<Address> {
        let mapping = self.mapping(node, owner, name, ADDRESS_FIELDS)?;
        let country = self.required(&mapping, "country").and_then(|(_, node)| {
            let text = self.string(node, "country")?;
            if text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_uppercase()) {
                return Some(text);
            }
            let help = (text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_alphabetic()))
                .then(|| format!("write it in capitals: `{}`", text.to_ascii_uppercase()));
            self.error(
                node.place,
                format!("expected a 2-letter country code like `US` for `country`, found `{text}`"),
                help,
            );
            None
        });
        let administrative_area = self.required_text(&mapping, "administrative_area", 255);
        let city = self.required_text(&mapping, "city", 100);
        let postal_code = self.required_text(&mapping, "postal_code", 20);
        let street_address = self.required_text(&mapping, "street_address", 255);
        let extended_address = match mapping.get("extended_address") {
            None => Some(None),
            Some(node) => self.text(node, "extended_address", 0, 255).map(Some),
        };
        Some(Address {
            country: country?,
            administrative_area: administrative_area?,
            city: city?,
            postal_code: postal_code?,
            street_address: street_address?,
            extended_address: extended_address?,
        })
    }

    fn reputation(&mut self, owner: Place, node: &Node) -> Option<ReputationSpec> {
        let mapping = self.mapping(node, owner, "reputation", REPUTATION_FIELDS)?;
        let (_, enabled) = self.required(&mapping, "enabled")?;
        if !self.boolean(enabled, "enabled")? {
            return Some(ReputationSpec::Disabled);
        }
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
        Some(ReputationSpec::Enabled {
            loa: loa?,
            check_frequency: check_frequency?,
            numbers: numbers?,
            prune: prune?,
        })
    }

    fn loa(&mut self, owner: Place, node: &Node) -> Option<Loa> {
        let mapping = self.mapping(node, owner, "reputation.loa", LOA_FIELDS)?;
        match (mapping.get("document_id"), mapping.get("file")) {
            (Some(document_id), None) => {
                let text = self.string(document_id, "document_id")?;
                if crate::model::is_lowercase_uuid(&text) {
                    return Some(Loa::DocumentId(text));
                }
                self.error(
                    document_id.place,
                    format!("expected a lowercase UUID for `document_id`, found `{text}`"),
                    Some("copy the `id` that `POST /documents` returned".to_owned()),
                );
                None
            }
            (None, Some(file)) => self.loa_file(file),
            (Some(_), Some(file)) => {
                self.error(
                    file.place,
                    "`reputation.loa` has both `document_id` and `file`".to_owned(),
                    Some("keep exactly one of them".to_owned()),
                );
                None
            }
            (None, None) => {
                self.error(
                    mapping.owner,
                    "`reputation.loa` needs `document_id` or `file`".to_owned(),
                    Some("add `file: PATH` for a signed PDF telrep uploads, or `document_id: ID` for one already uploaded".to_owned()),
                );
                None
            }
        }
    }

    fn loa_file(&mut self, node: &Node) -> Option<Loa> {
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
                node.place,
                format!("cannot read the LOA `{}`: {error}", path.display()),
                None,
            ),
            Ok((size, _)) if size > LOA_LIMIT => self.error(
                node.place,
                format!(
                    "the LOA `{}` is too large for the documents API: it {}",
                    path.display(),
                    source::over_limit(size, LOA_LIMIT)
                ),
                Some("compress or rescan the PDF below 20 MB".to_owned()),
            ),
            Ok((_, count)) if head.get(..count) != Some(b"%PDF-".as_slice()) => self.error(
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
                        path,
                    });
                }
                Err(error) => self.error(
                    node.place,
                    format!("cannot read the LOA `{}`: {error}", path.display()),
                    None,
                ),
            },
        }
        None
    }

    /// Resolves `text` against the manifest's directory, refusing absolute paths and paths
    /// that leave the directory (by `..` or a symlink) unless the options allow it.
    fn contained_path(&mut self, node: &Node, text: &str) -> Option<PathBuf> {
        let allow_help = "or pass `--allow-outside-paths` if this is intended";
        if text.is_empty() {
            self.error(node.place, "the path is empty".to_owned(), None);
            return None;
        }
        let relative = Path::new(text);
        if relative.is_absolute() && !self.options.allow_outside_paths {
            self.error(
                node.place,
                format!(
                    "`{text}` is an absolute path; paths are relative to the manifest's directory"
                ),
                Some(format!(
                    "move the file into the manifest's directory and name it relatively, {allow_help}"
                )),
            );
            return None;
        }
        let path = self.directory.join(relative);
        if let Err(error) = std::fs::metadata(&path) {
            self.error(
                node.place,
                format!("cannot read `{}`: {error}", path.display()),
                Some("paths are relative to the manifest's directory".to_owned()),
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
                node.place,
                format!(
                    "`{text}` {how} the manifest's directory `{}`",
                    root.display()
                ),
                Some(format!(
                    "keep the file inside the manifest's directory, {allow_help}"
                )),
            );
            return None;
        }
        Some(path)
    }

    fn numbers(&mut self, node: &Node) -> Option<NumberList> {
        let Value::Seq(entries) = &node.value else {
            self.error(
                node.place,
                format!("expected a list for `numbers`, found {}", node.value.kind()),
                Some("write one `- \"+12025551234\"` or `- file: PATH` per line".to_owned()),
            );
            return None;
        };
        let mut collector = NumberCollector::new(self.source.path.clone());
        for entry in entries {
            match &entry.value {
                Value::Str(text) => {
                    let origin = Origin {
                        source: 0,
                        line: to_u32(entry.place.line),
                        column: to_u32(entry.place.column),
                    };
                    if let Err(problem) = collector.add(text, origin) {
                        self.error(entry.place, problem.message, problem.help);
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
                    self.numbers_file(file, &mut collector);
                }
                other => self.error(
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

    fn numbers_file(&mut self, node: &Node, collector: &mut NumberCollector) {
        let Some(text) = self.string(node, "file") else {
            return;
        };
        let Some(path) = self.contained_path(node, &text) else {
            return;
        };
        let contents = match source::read_text(&path, NUMBERS_FILE_LIMIT) {
            Ok(contents) => contents,
            Err(ReadError::Io(error)) => {
                self.error(
                    node.place,
                    format!("cannot read `{}`: {error}", path.display()),
                    None,
                );
                return;
            }
            Err(ReadError::TooLarge { size, limit }) => {
                self.error(
                    node.place,
                    format!(
                        "the numbers file `{}` {}",
                        path.display(),
                        source::over_limit(size, limit)
                    ),
                    Some("split it into several files of at most 64 MiB".to_owned()),
                );
                return;
            }
            Err(ReadError::NotUtf8 {
                offset,
                valid_prefix,
            }) => {
                self.diagnostics.push(file_problem(
                    &path,
                    &valid_prefix,
                    offset,
                    format!("the numbers file is not UTF-8 text: invalid byte at offset {offset}"),
                ));
                return;
            }
            Err(ReadError::Nul { offset }) => {
                self.diagnostics.push(nul_problem(&path, offset));
                return;
            }
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
                        .with_source(entry.line_text, entry.text.chars().count());
                diagnostic.help = problem.help;
                self.diagnostics.push(diagnostic);
            }
        }
    }
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
    let mut diagnostic =
        Diagnostic::error(path, line, column, message).with_help("save the file as UTF-8 text");
    if let Some(line_text) = prefix.line(line) {
        diagnostic = diagnostic.with_source(line_text, 1);
    }
    diagnostic
}

/// A diagnostic for a NUL byte, which no text file of telrep's may hold.
pub(crate) fn nul_problem(path: &Path, offset: usize) -> Diagnostic {
    let text = std::fs::read(path).unwrap_or_default();
    let prefix = String::from_utf8_lossy(text.get(..offset).unwrap_or_default()).into_owned();
    let mut diagnostic = file_problem(
        path,
        &prefix,
        offset,
        format!("NUL byte at offset {offset}; this is not a text file"),
    );
    diagnostic.help =
        Some("remove the NUL bytes, or check that this is the file you meant".to_owned());
    diagnostic
}

/// Lowercase hex SHA-256, the form the documents API reports.
pub(crate) fn sha256_hex(content: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(content)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A problem with one number, before it is placed in a file.
struct NumberProblem {
    message: String,
    help: Option<String>,
}

/// Gathers the manifest's numbers in order, checking each and spotting duplicates.
struct NumberCollector {
    list: NumberList,
    check: UsLocalCheck,
    first_seen: HashMap<E164, Origin>,
}

impl NumberCollector {
    fn new(manifest: PathBuf) -> Self {
        Self {
            list: NumberList {
                sources: vec![manifest],
                ..NumberList::default()
            },
            check: UsLocalCheck::new(),
            first_seen: HashMap::new(),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.list.numbers.reserve(additional);
        self.list.origins.reserve(additional);
        self.first_seen.reserve(additional);
    }

    fn add_source(&mut self, path: PathBuf) -> u32 {
        self.list.sources.push(path);
        to_u32(self.list.sources.len() - 1)
    }

    fn add(&mut self, text: &str, origin: Origin) -> Result<(), NumberProblem> {
        let Some(number) = E164::parse(text) else {
            return Err(NumberProblem {
                message: format!("expected an E.164 number like `+12025551234`, found `{text}`"),
                help: e164_hint(text),
            });
        };
        if let Some((message, help)) = self.check.verdict(number).problem(number) {
            return Err(NumberProblem {
                message,
                help: Some(help),
            });
        }
        if let Some(first) = self.first_seen.get(&number) {
            let place = self
                .list
                .sources
                .get(usize::try_from(first.source).unwrap_or(usize::MAX))
                .map_or_else(String::new, |path| {
                    format!("{}:{}:{}", path.display(), first.line, first.column)
                });
            return Err(NumberProblem {
                message: format!("duplicate number `{number}`, first listed at {place}"),
                help: Some("remove one of the two".to_owned()),
            });
        }
        self.first_seen.insert(number, origin);
        self.list.numbers.push(number);
        self.list.origins.push(origin);
        Ok(())
    }

    fn finish(self) -> NumberList {
        self.list
    }
}

/// The E.164 spelling of a US number written in a national style, if that is what it is.
fn e164_hint(text: &str) -> Option<String> {
    let national_style = text
        .chars()
        .all(|character| character.is_ascii_digit() || " -.()+".contains(character));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let candidate = match digits.len() {
        10 => format!("+1{digits}"),
        11 if digits.starts_with('1') => format!("+{digits}"),
        _ => return None,
    };
    (national_style && candidate != text).then(|| format!("write it as `{candidate}`"))
}

fn is_us_fein(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, &byte)| {
            if index == 2 {
                byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        })
}

/// One `@`, something before it, a dotted domain after it, no spaces: the plausibility
/// check the issue asks for, not RFC 5322.
fn is_plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    fn properties<'a>(schema: &'a Json, definition: Option<&str>) -> Vec<&'a str> {
        let object = match definition {
            Some(name) => &schema["$defs"][name],
            None => schema,
        };
        let mut names: Vec<&str> = object["properties"]
            .as_object()
            .map(|properties| properties.keys().map(String::as_str).collect())
            .unwrap_or_default();
        names.sort_unstable();
        names
    }

    fn sorted(fields: &[&'static str]) -> Vec<&'static str> {
        let mut fields = fields.to_vec();
        fields.sort_unstable();
        fields
    }

    #[test]
    fn field_lists_match_the_schema() {
        let schema = crate::manifest::schema();
        assert_eq!(properties(&schema, None), sorted(MANIFEST_FIELDS));
        assert_eq!(
            properties(&schema, Some("EnterpriseSpec")),
            sorted(ENTERPRISE_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("OrganizationContact")),
            sorted(ORGANIZATION_CONTACT_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("BillingContact")),
            sorted(BILLING_CONTACT_FIELDS)
        );
        assert_eq!(properties(&schema, Some("Address")), sorted(ADDRESS_FIELDS));
        assert_eq!(
            properties(&schema, Some("Reputation")),
            sorted(REPUTATION_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("NumbersFile")),
            sorted(NUMBERS_FILE_FIELDS)
        );
        let loa_variants: Vec<&str> = schema["$defs"]["Loa"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|variant| variant["required"].as_array().unwrap())
            .map(|name| name.as_str().unwrap())
            .collect();
        assert_eq!(loa_variants, LOA_FIELDS);
    }

    #[test]
    fn helpers() {
        assert!(is_us_fein("12-3456789"));
        assert!(!is_us_fein("123456789"));
        assert!(!is_us_fein("12-345678a"));
        assert!(is_plausible_email("jane@acme.com"));
        assert!(!is_plausible_email("jane@acme"));
        assert!(!is_plausible_email("jane acme@x.com"));
        assert!(!is_plausible_email("@acme.com"));
        assert!(!is_plausible_email("a@b@c.com"));
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
    }
}
