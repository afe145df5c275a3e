//! The `enterprise` section: identity, contacts and addresses, as `POST /enterprises`
//! names and limits them.

use super::numbers::e164_hint;
use super::{
    ADDRESS_FIELDS, BILLING_CONTACT_FIELDS, ENTERPRISE_FIELDS, ORGANIZATION_CONTACT_FIELDS,
};
use super::{Mapping, Walker};
use crate::manifest::diagnostic::shown;
use crate::manifest::rule;
use crate::manifest::tree::{Node, Place, Value};
use crate::model::{
    Address, BillingContact, CountryCode, E164, EnterpriseId, EnterpriseSpec, OrganizationContact,
};

impl Walker<'_> {
    pub(super) fn enterprise(&mut self, owner: Place, node: &Node) -> Option<EnterpriseSpec> {
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

    pub(super) fn id(&mut self, node: &Node) -> Option<EnterpriseId> {
        let text = self.string(node, "id")?;
        if let Some(id) = EnterpriseId::parse(&text) {
            return Some(id);
        }
        let help = lowercase_uuid_help(&text).unwrap_or_else(|| {
            "copy the id from `GET /enterprises`, or remove `id` to match by `legal_name`"
                .to_owned()
        });
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected a lowercase UUID for `id`, found `{}`",
                shown(&text)
            ),
            Some(help),
        );
        None
    }

    pub(super) fn website(&mut self, node: &Node) -> Option<String> {
        let text = self.text(node, "website", 1, 255)?;
        let parsed = url::Url::parse(&text);
        let is_web = matches!(&parsed, Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some());
        if is_web {
            return Some(text);
        }
        let help = if parsed.is_err() && !text.contains("://") {
            Some(format!("write the full URL: `https://{}`", shown(&text)))
        } else {
            None
        };
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected an http(s) URL for `website`, found `{}`",
                shown(&text)
            ),
            help,
        );
        None
    }

    pub(super) fn fein(
        &mut self,
        node: &Node,
        country_code: Option<CountryCode>,
    ) -> Option<String> {
        let literal = self.literal(node);
        let unquoted_digits = !literal.is_empty() && literal.chars().all(|c| c.is_ascii_digit());
        if (matches!(node.value, Value::Int(_)) || unquoted_digits)
            && country_code != Some(CountryCode::Ca)
        {
            // An unquoted `987654321` (or `012345678`) is read as a number: "quote it" would
            // only lead to the next error, the missing dash, so both fixes are given at once.
            let help = match (literal.len(), literal.get(..2), literal.get(2..)) {
                (9, Some(head), Some(tail)) => {
                    format!("write it as `\"{head}-{tail}\"`, quoted, with the dash")
                }
                _ => "write the nine digits as `\"NN-NNNNNNN\"`, quoted".to_owned(),
            };
            self.error(
                rule::INVALID_VALUE,
                node.place,
                format!(
                    "expected a US FEIN like `12-3456789` for `fein`, found the number `{literal}`"
                ),
                Some(help),
            );
            return None;
        }
        let text = self.text(node, "fein", 1, 255)?;
        if country_code != Some(CountryCode::Us) || is_us_fein(&text) {
            return Some(text);
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let help = match digits.split_at_checked(2) {
            Some((head, tail))
                if digits.len() == 9
                    && text
                        .chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.')) =>
            {
                Some(format!("write it as `{head}-{tail}`"))
            }
            _ => None,
        };
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected a US FEIN like `12-3456789` for `fein`, found `{}`",
                shown(&text)
            ),
            help,
        );
        None
    }

    pub(super) fn organization_contact(
        &mut self,
        owner: Place,
        node: &Node,
    ) -> Option<OrganizationContact> {
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

    pub(super) fn billing_contact(&mut self, owner: Place, node: &Node) -> Option<BillingContact> {
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

    pub(super) fn email(&mut self, mapping: &Mapping<'_>) -> Option<String> {
        let (_, node) = self.required(mapping, "email")?;
        let text = self.text(node, "email", 1, 255)?;
        if is_plausible_email(&text) {
            return Some(text);
        }
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected an email address like `jane@acme.com` for `email`, found `{}`",
                shown(&text)
            ),
            Some(email_help(&text)),
        );
        None
    }

    pub(super) fn phone_number(&mut self, mapping: &Mapping<'_>) -> Option<String> {
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
            rule::INVALID_NUMBER,
            node.place,
            format!(
                "expected an E.164 number like `+12025551234` for `phone_number`, found `{}`",
                shown(&text)
            ),
            help,
        );
        None
    }

    /// Reports an unquoted `+1…` that YAML read as an integer.
    pub(super) fn unquoted_number(&mut self, node: &Node, field: &str) -> Option<()> {
        let literal = self.literal(node);
        self.error(rule::UNQUOTED_VALUE,
            node.place,
            format!("expected a quoted E.164 number for `{field}`, found `{}`, which YAML reads as an integer", shown(&literal)),
            Some(format!("quote it: `\"{}\"`", shown(&literal))),
        );
        None
    }

    pub(super) fn address(
        &mut self,
        owner: Place,
        node: &Node,
        name: &'static str,
    ) -> Option<Address> {
        let mapping = self.mapping(node, owner, name, ADDRESS_FIELDS)?;
        let country = self.required(&mapping, "country").and_then(|(_, node)| {
            let text = self.string(node, "country")?;
            if text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_uppercase()) {
                return Some(text);
            }
            let help = (text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_alphabetic()))
                .then(|| format!("write it in capitals: `{}`", text.to_ascii_uppercase()));
            self.error(
                rule::INVALID_VALUE,
                node.place,
                format!(
                    "expected a 2-letter country code like `US` for `country`, found `{}`",
                    shown(&text)
                ),
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
}

/// The edit that makes `text` a plausible email address, as specific as can be told.
fn email_help(text: &str) -> String {
    let trimmed: String = text.split_whitespace().collect();
    if trimmed != text && is_plausible_email(&trimmed) {
        return format!("remove the spaces: `{trimmed}`");
    }
    match text.split('@').collect::<Vec<_>>().as_slice() {
        [_] => "add the `@` between the mailbox and the domain, like `jane@acme.com`".to_owned(),
        ["", _] => "add the mailbox before the `@`, like `jane@acme.com`".to_owned(),
        [_, domain]
            if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') =>
        {
            format!("the domain `{domain}` needs a dot inside it, like `acme.com`")
        }
        [_, _] => "remove the spaces".to_owned(),
        _ => "keep exactly one `@`".to_owned(),
    }
}

/// "lowercase it: `…`" when `text` is a UUID in capitals, the one fix it needs.
pub(super) fn lowercase_uuid_help(text: &str) -> Option<String> {
    let lowered = text.to_ascii_lowercase();
    crate::model::is_lowercase_uuid(&lowered).then(|| format!("lowercase it: `{lowered}`"))
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

    #[test]
    fn a_us_fein_without_its_dash_is_shown_with_it() {
        let temp = tempfile::tempdir().unwrap();
        let manifest = temp.path().join("acme.yaml");
        let valid = std::fs::read_to_string("tests/fixtures/valid_disabled.yaml").unwrap();
        let helps = |fein: &str| {
            std::fs::write(&manifest, valid.replace("fein: 12-3456789", fein)).unwrap();
            let options = crate::manifest::LoadOptions {
                allow_outside_paths: false,
            };
            crate::manifest::load_all(std::slice::from_ref(&manifest), options, &[])
                .diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.help)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            helps("fein: 12 3456789"),
            [Some("write it as `12-3456789`".to_owned())]
        );
        assert_eq!(helps("fein: 12-34567"), [None]);
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
    }
}
