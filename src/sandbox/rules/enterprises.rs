//! Enterprises: listing, creation with field-by-field validation, and updates that refuse
//! immutable fields (docs/api.md). Uses the shared builders of `rules`, the model's wire
//! enums for validation, and the wire types.

use serde_json::{Map, Value, json};

use super::{
    Context, Outcome, Problem, Query, at_pointer, data, entry, not_found, paginate, problem,
    timestamp,
};
use crate::model::{
    CountryCode, E164, Industry, NumberOfEmployees, OrganizationLegalType, OrganizationType,
    RoleType, WireEnum,
};
use crate::sandbox::state::World;
use crate::telnyx::wire::{Address, Contact, Enterprise, ErrorEntry};

impl World {
    /// `GET /enterprises` with the partial `legal_name` filters; default page 10.
    pub fn list_enterprises(&self, query: &Query) -> Outcome {
        let filters: Vec<String> = ["legal_name", "filter[legal_name][contains]"]
            .iter()
            .filter_map(|name| query.get(name))
            .map(str::to_lowercase)
            .collect();
        let matching: Vec<&Enterprise> = self
            .enterprises
            .iter()
            .filter(|enterprise| {
                let name = enterprise.legal_name.to_lowercase();
                filters.iter().all(|filter| name.contains(filter.as_str()))
            })
            .collect();
        paginate(&matching, query, 10)
    }

    /// `GET /enterprises/{id}`.
    pub fn get_enterprise(&self, id: &str) -> Outcome {
        match self.enterprise(id) {
            Some(enterprise) => data(200, enterprise),
            None => Err(not_found("Enterprise")),
        }
    }

    pub(super) fn enterprise(&self, id: &str) -> Option<&Enterprise> {
        self.enterprises
            .iter()
            .find(|enterprise| enterprise.id == id)
    }

    /// `POST /enterprises`: 201, 422 with one entry per bad or missing field, 409 on a
    /// duplicate legal name.
    pub fn create_enterprise(&mut self, body: &Value, context: Context<'_>) -> Outcome {
        let Some(object) = body.as_object() else {
            return Err(problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object",
            ));
        };
        let mut errors = Vec::new();
        for (name, required) in CREATE_FIELDS {
            match object.get(*name) {
                None | Some(Value::Null) if *required => errors.push(at_pointer(
                    entry(
                        "10005",
                        "Missing required field",
                        format!("`{name}` is required"),
                    ),
                    &format!("/{name}"),
                )),
                None | Some(Value::Null) => {}
                Some(value) => check_field(name, value, &mut errors),
            }
        }
        for name in object.keys() {
            if !CREATE_FIELDS.iter().any(|(known, _)| known == name) {
                errors.push(unknown_enterprise_field(name));
            }
        }
        if !errors.is_empty() {
            return Err(Problem {
                status: 422,
                errors,
            });
        }
        let legal_name = string_field(object, "legal_name");
        if self
            .enterprises
            .iter()
            .any(|enterprise| enterprise.legal_name == legal_name)
        {
            return Err(problem(
                409,
                "10016",
                "Enterprise already exists",
                format!("an enterprise with legal_name `{legal_name}` already exists"),
            ));
        }
        let now = timestamp(context.now_ms);
        let mut record = object.clone();
        record.insert("id".to_owned(), json!(self.next_id(context.rules.seed)));
        record.insert("created_at".to_owned(), json!(now));
        record.insert("updated_at".to_owned(), json!(now));
        record.insert("number_reputation_enabled".to_owned(), json!(false));
        record.insert("branded_calling_enabled".to_owned(), json!(false));
        for optional in OPTIONAL_NULLABLE {
            record.entry((*optional).to_owned()).or_insert(Value::Null);
        }
        record
            .entry("role_type".to_owned())
            .or_insert(json!("enterprise"));
        let enterprise: Enterprise = serde_json::from_value(Value::Object(record))
            .map_err(|error| problem(422, "10015", "Invalid request body", error.to_string()))?;
        self.enterprises.push(enterprise.clone());
        data(201, &enterprise)
    }

    /// `PUT /enterprises/{id}`: only the fields sent change; immutable fields are a 400.
    pub fn update_enterprise(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        let Some(object) = body.as_object() else {
            return Err(problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object",
            ));
        };
        let Some(index) = self
            .enterprises
            .iter()
            .position(|enterprise| enterprise.id == id)
        else {
            return Err(not_found("Enterprise"));
        };
        let immutable: Vec<ErrorEntry> = object
            .keys()
            .filter(|name| IMMUTABLE_FIELDS.contains(&name.as_str()))
            .map(|name| {
                at_pointer(
                    entry(
                        "10015",
                        "Field not allowed",
                        format!("Field '{name}' is not allowed in this request"),
                    ),
                    &format!("/{name}"),
                )
            })
            .collect();
        if !immutable.is_empty() {
            return Err(Problem {
                status: 400,
                errors: immutable,
            });
        }
        let mut errors = Vec::new();
        for (name, value) in object {
            if CREATE_FIELDS.iter().any(|(known, _)| known == name) {
                if !value.is_null() || !OPTIONAL_NULLABLE.contains(&name.as_str()) {
                    check_field(name, value, &mut errors);
                }
            } else {
                errors.push(unknown_enterprise_field(name));
            }
        }
        if !errors.is_empty() {
            return Err(Problem {
                status: 422,
                errors,
            });
        }
        let current = self
            .enterprises
            .get(index)
            .ok_or_else(|| not_found("Enterprise"))?;
        let Value::Object(mut record) = serde_json::to_value(current).unwrap_or_default() else {
            return Err(problem(
                500,
                "10007",
                "Unexpected error",
                "enterprise record",
            ));
        };
        for (name, value) in object {
            record.insert(name.clone(), value.clone());
        }
        record.insert("updated_at".to_owned(), json!(timestamp(context.now_ms)));
        let updated: Enterprise = serde_json::from_value(Value::Object(record))
            .map_err(|error| problem(422, "10015", "Invalid request body", error.to_string()))?;
        if let Some(slot) = self.enterprises.get_mut(index) {
            *slot = updated.clone();
        }
        data(200, &updated)
    }
}

/// Fields of the create call and whether they are required.
const CREATE_FIELDS: &[(&str, bool)] = &[
    ("legal_name", true),
    ("doing_business_as", true),
    ("organization_type", true),
    ("country_code", true),
    ("website", true),
    ("fein", true),
    ("industry", true),
    ("number_of_employees", true),
    ("organization_legal_type", true),
    ("jurisdiction_of_incorporation", true),
    ("organization_contact", true),
    ("billing_contact", true),
    ("organization_physical_address", true),
    ("billing_address", true),
    ("role_type", false),
    ("customer_reference", false),
    ("corporate_registration_number", false),
    ("dun_bradstreet_number", false),
    ("primary_business_domain_sic_code", false),
    ("professional_license_number", false),
];

const OPTIONAL_NULLABLE: &[&str] = &[
    "corporate_registration_number",
    "dun_bradstreet_number",
    "primary_business_domain_sic_code",
    "professional_license_number",
];

const IMMUTABLE_FIELDS: &[&str] = &[
    "id",
    "record_type",
    "created_at",
    "updated_at",
    "number_reputation_enabled",
    "branded_calling_enabled",
    "organization_type",
    "country_code",
    "role_type",
];

fn unknown_enterprise_field(name: &str) -> ErrorEntry {
    at_pointer(
        entry(
            "10015",
            "Unknown field",
            format!("`{name}` is not a field of an enterprise"),
        ),
        &format!("/{name}"),
    )
}

fn string_field(object: &Map<String, Value>, name: &str) -> String {
    object
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Checks one enterprise field's value the way the API does, appending error entries.
fn check_field(name: &str, value: &Value, errors: &mut Vec<ErrorEntry>) {
    let pointer = format!("/{name}");
    let invalid = |detail: String| at_pointer(entry("10015", "Invalid value", detail), &pointer);
    match name {
        "organization_contact" | "billing_contact" => check_contact(name, value, errors),
        "organization_physical_address" | "billing_address" => {
            if let Err(error) = serde_json::from_value::<Address>(value.clone()) {
                errors.push(invalid(format!("`{name}`: {error}")));
            }
        }
        _ => {
            let Some(text) = value.as_str() else {
                errors.push(invalid(format!("`{name}` must be a string")));
                return;
            };
            if let Some(problem) = text_problem(name, text) {
                errors.push(invalid(problem));
            }
        }
    }
}

/// Checks a contact: the organisation contact needs a `job_title`, and either contact an
/// E.164 `phone_number` and an `email` with an `@`.
fn check_contact(name: &str, value: &Value, errors: &mut Vec<ErrorEntry>) {
    let pointer = format!("/{name}");
    let needs_title = name == "organization_contact";
    match serde_json::from_value::<Contact>(value.clone()) {
        Ok(contact) if needs_title && contact.job_title.is_none() => {
            errors.push(at_pointer(
                entry("10005", "Missing required field", "`job_title` is required"),
                &format!("{pointer}/job_title"),
            ));
        }
        Ok(contact) => {
            if E164::parse(&contact.phone_number).is_none() {
                errors.push(at_pointer(
                    entry("10015", "Invalid value", "`phone_number` must be E.164"),
                    &format!("{pointer}/phone_number"),
                ));
            }
            if !contact.email.contains('@') {
                errors.push(at_pointer(
                    entry("10015", "Invalid value", "`email` is not an email address"),
                    &format!("{pointer}/email"),
                ));
            }
        }
        Err(error) => errors.push(at_pointer(
            entry("10015", "Invalid value", format!("`{name}`: {error}")),
            &pointer,
        )),
    }
}

/// What is wrong with a string field's value, if anything: a length out of range or a
/// value outside the field's enum.
fn text_problem(name: &str, text: &str) -> Option<String> {
    let length = text.chars().count();
    match name {
        "legal_name" if !(3..=64).contains(&length) => {
            Some("`legal_name` must be 3 to 64 characters".to_owned())
        }
        "doing_business_as" | "website" | "jurisdiction_of_incorporation"
            if length == 0 || length > 255 =>
        {
            Some(format!("`{name}` must be 1 to 255 characters"))
        }
        "organization_type" if OrganizationType::from_wire(text).is_none() => {
            Some(format!("`{text}` is not an organization_type"))
        }
        "country_code" if CountryCode::from_wire(text).is_none() => {
            Some(format!("`{text}` is not a country_code (US or CA)"))
        }
        "industry" if Industry::from_wire(text).is_none() => {
            Some(format!("`{text}` is not an industry"))
        }
        "number_of_employees" if NumberOfEmployees::from_wire(text).is_none() => {
            Some(format!("`{text}` is not a number_of_employees bracket"))
        }
        "organization_legal_type" if OrganizationLegalType::from_wire(text).is_none() => {
            Some(format!("`{text}` is not an organization_legal_type"))
        }
        "role_type" if RoleType::from_wire(text).is_none() => {
            Some(format!("`{text}` is not a role_type"))
        }
        "fein" if length == 0 => Some("`fein` is required".to_owned()),
        _ => None,
    }
}
