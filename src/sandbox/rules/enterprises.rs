//! Enterprises: listing, creation with field-by-field validation, and updates that refuse
//! immutable fields (docs/api.md). Uses the shared builders of `rules`, the model's wire
//! enums for validation, and the wire types.

use serde_json::{Value, json};

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
        // `check_field` has made sure it is a string; if not, the sandbox is broken.
        let Some(legal_name) = object.get("legal_name").and_then(Value::as_str) else {
            return Err(problem(500, "10007", "Unexpected error", "legal_name"));
        };
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
        let id = self.next_id(
            context.rules.seed,
            &format!("enterprise/{legal_name}"),
            |world, id| world.enterprise(id).is_some(),
        );
        record.insert("id".to_owned(), json!(id));
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
        let Ok(Value::Object(mut record)) = serde_json::to_value(current) else {
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

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::super::tests::{NOW, acme, context, invalid};
    use super::super::{Body, Reply, Rules};
    use super::*;

    fn missing(name: &str) -> ErrorEntry {
        at_pointer(
            entry(
                "10005",
                "Missing required field",
                format!("`{name}` is required"),
            ),
            &format!("/{name}"),
        )
    }

    /// Acme as created at `NOW` with the given id.
    fn created(id: &str) -> Value {
        let mut expected = acme();
        let object = expected.as_object_mut().unwrap();
        for (name, value) in [
            ("id", json!(id)),
            ("created_at", json!("2026-01-01T00:00:00Z")),
            ("updated_at", json!("2026-01-01T00:00:00Z")),
            ("number_reputation_enabled", json!(false)),
            ("branded_calling_enabled", json!(false)),
            ("role_type", json!("enterprise")),
            ("corporate_registration_number", Value::Null),
            ("dun_bradstreet_number", Value::Null),
            ("primary_business_domain_sic_code", Value::Null),
            ("professional_license_number", Value::Null),
        ] {
            object.insert(name.to_owned(), value);
        }
        for address in ["organization_physical_address", "billing_address"] {
            expected[address]["extended_address"] = Value::Null;
        }
        expected
    }

    #[test]
    fn create_answers_201_with_the_whole_enterprise() {
        let rules = Rules::default();
        let mut world = World::default();
        let outcome = world.create_enterprise(&acme(), context(&rules));
        let id = world.enterprises[0].id.clone();
        let expected = created(&id);
        assert_eq!(
            outcome,
            Ok(Reply {
                status: 201,
                body: Some(Body::Value(json!({ "data": expected })))
            })
        );
        assert_eq!(
            world.get_enterprise(&id),
            outcome.map(|reply| Reply {
                status: 200,
                ..reply
            })
        );
    }

    /// Asserts that creating Acme edited by `edit` is a 422 with exactly `errors` and adds
    /// nothing.
    #[track_caller]
    fn case(edit: impl FnOnce(&mut Map<String, Value>), errors: Vec<ErrorEntry>) {
        let rules = Rules::default();
        let mut world = World::default();
        let mut body = acme();
        edit(body.as_object_mut().unwrap());
        assert_eq!(
            world.create_enterprise(&body, context(&rules)),
            Err(Problem {
                status: 422,
                errors
            })
        );
        assert_eq!(world, World::default());
    }

    /// An edit that sets one field.
    fn set(name: &'static str, value: Value) -> impl FnOnce(&mut Map<String, Value>) {
        move |body| {
            body.insert(name.to_owned(), value);
        }
    }

    /// An "Invalid value" entry.
    fn value(detail: &str, pointer: &str) -> ErrorEntry {
        invalid("Invalid value", detail, pointer)
    }

    #[test]
    fn create_reports_every_bad_field_and_adds_nothing() {
        case(
            |body| {
                body.remove("fein");
                body.remove("website");
                body.insert("legal_name".to_owned(), json!("AC"));
                body.insert("industry".to_owned(), json!("customer_service"));
                body.insert("colour".to_owned(), json!("blue"));
            },
            vec![
                value("`legal_name` must be 3 to 64 characters", "/legal_name"),
                missing("website"),
                missing("fein"),
                value("`customer_service` is not an industry", "/industry"),
                invalid(
                    "Unknown field",
                    "`colour` is not a field of an enterprise",
                    "/colour",
                ),
            ],
        );
    }

    #[test]
    fn create_checks_each_text_field() {
        case(set("legal_name", Value::Null), vec![missing("legal_name")]);
        case(
            set("legal_name", json!("x".repeat(65))),
            vec![value(
                "`legal_name` must be 3 to 64 characters",
                "/legal_name",
            )],
        );
        case(
            set("legal_name", json!(42)),
            vec![value("`legal_name` must be a string", "/legal_name")],
        );
        case(
            set("doing_business_as", json!("")),
            vec![value(
                "`doing_business_as` must be 1 to 255 characters",
                "/doing_business_as",
            )],
        );
        case(
            set("website", json!("w".repeat(256))),
            vec![value("`website` must be 1 to 255 characters", "/website")],
        );
        case(
            set("jurisdiction_of_incorporation", json!("")),
            vec![value(
                "`jurisdiction_of_incorporation` must be 1 to 255 characters",
                "/jurisdiction_of_incorporation",
            )],
        );
        case(
            set("fein", json!("")),
            vec![value("`fein` is required", "/fein")],
        );
        case(
            set("organization_type", json!("charity")),
            vec![value(
                "`charity` is not an organization_type",
                "/organization_type",
            )],
        );
        case(
            set("country_code", json!("GB")),
            vec![value(
                "`GB` is not a country_code (US or CA)",
                "/country_code",
            )],
        );
        case(
            set("number_of_employees", json!("12")),
            vec![value(
                "`12` is not a number_of_employees bracket",
                "/number_of_employees",
            )],
        );
        case(
            set("organization_legal_type", json!("guild")),
            vec![value(
                "`guild` is not an organization_legal_type",
                "/organization_legal_type",
            )],
        );
        case(
            set("role_type", json!("reseller")),
            vec![value("`reseller` is not a role_type", "/role_type")],
        );
    }

    #[test]
    fn create_checks_contacts_and_addresses() {
        case(
            |body| {
                body["organization_contact"]
                    .as_object_mut()
                    .unwrap()
                    .remove("job_title");
            },
            vec![at_pointer(
                entry("10005", "Missing required field", "`job_title` is required"),
                "/organization_contact/job_title",
            )],
        );
        case(
            |body| {
                body["billing_contact"]["phone_number"] = json!("202-555-1234");
                body["billing_contact"]["email"] = json!("billing");
            },
            vec![
                value(
                    "`phone_number` must be E.164",
                    "/billing_contact/phone_number",
                ),
                value("`email` is not an email address", "/billing_contact/email"),
            ],
        );
        case(
            set("billing_contact", json!("Jane")),
            vec![value(
                "`billing_contact`: invalid type: string \"Jane\", expected struct Contact",
                "/billing_contact",
            )],
        );
        case(
            |body| {
                body["billing_address"]
                    .as_object_mut()
                    .unwrap()
                    .remove("city");
            },
            vec![value(
                "`billing_address`: missing field `city`",
                "/billing_address",
            )],
        );
    }

    #[test]
    fn create_needs_an_object() {
        let rules = Rules::default();
        assert_eq!(
            World::default().create_enterprise(&json!([]), context(&rules)),
            Err(problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object"
            ))
        );
    }

    #[test]
    fn a_second_enterprise_with_the_same_legal_name_is_409() {
        let rules = Rules::default();
        let mut world = World::default();
        world.create_enterprise(&acme(), context(&rules)).unwrap();
        let before = world.clone();
        let mut body = acme();
        body["doing_business_as"] = json!("Acme Two");
        assert_eq!(
            world.create_enterprise(&body, context(&rules)),
            Err(problem(
                409,
                "10016",
                "Enterprise already exists",
                "an enterprise with legal_name `Acme Corp` already exists"
            ))
        );
        assert_eq!(world, before);
    }

    #[test]
    fn update_changes_only_the_fields_sent() {
        let rules = Rules::default();
        let mut world = World::default();
        world.create_enterprise(&acme(), context(&rules)).unwrap();
        let id = world.enterprises[0].id.clone();
        let later = Context {
            now_ms: NOW + 1_000,
            rules: &rules,
        };
        let body = json!({
            "website": "https://acme.org",
            "customer_reference": "ops-42",
            "dun_bradstreet_number": null,
        });
        let mut updated = world.enterprises[0].clone();
        updated.website = "https://acme.org".to_owned();
        updated.customer_reference = Some("ops-42".to_owned());
        updated.updated_at = "2026-01-01T00:00:01Z".to_owned();
        let outcome = world.update_enterprise(&id, &body, later);
        assert_eq!(world.enterprises, [updated.clone()]);
        assert_eq!(
            outcome,
            Ok(Reply {
                status: 200,
                body: Some(Body::Value(json!({ "data": updated })))
            })
        );
    }

    #[test]
    fn update_refuses_immutable_unknown_and_bad_fields() {
        #[track_caller]
        fn case(body: Value, expected: Problem) {
            let rules = Rules::default();
            let mut world = World::default();
            world.create_enterprise(&acme(), context(&rules)).unwrap();
            let before = world.clone();
            let id = world.enterprises[0].id.clone();
            assert_eq!(
                world.update_enterprise(&id, &body, context(&rules)),
                Err(expected)
            );
            assert_eq!(world, before);
        }
        let not_allowed = |name: &str| {
            invalid(
                "Field not allowed",
                &format!("Field '{name}' is not allowed in this request"),
                &format!("/{name}"),
            )
        };
        case(
            json!({"country_code": "CA", "role_type": "bpo", "website": "https://acme.org"}),
            Problem {
                status: 400,
                errors: vec![not_allowed("country_code"), not_allowed("role_type")],
            },
        );
        for name in IMMUTABLE_FIELDS {
            case(
                json!({ *name: "x" }),
                Problem {
                    status: 400,
                    errors: vec![not_allowed(name)],
                },
            );
        }
        case(
            json!({"colour": "blue", "website": ""}),
            Problem {
                status: 422,
                errors: vec![
                    invalid(
                        "Unknown field",
                        "`colour` is not a field of an enterprise",
                        "/colour",
                    ),
                    invalid(
                        "Invalid value",
                        "`website` must be 1 to 255 characters",
                        "/website",
                    ),
                ],
            },
        );
        case(
            json!({"fein": null}),
            Problem {
                status: 422,
                errors: vec![invalid("Invalid value", "`fein` must be a string", "/fein")],
            },
        );
        case(
            json!("website"),
            problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object",
            ),
        );
    }

    #[test]
    fn unknown_enterprises_are_404() {
        let rules = Rules::default();
        let mut world = World::default();
        let not_found = problem(404, "10005", "Resource not found", "Enterprise not found");
        assert_eq!(world.get_enterprise("nope"), Err(not_found.clone()));
        assert_eq!(
            world.update_enterprise("nope", &json!({}), context(&rules)),
            Err(not_found)
        );
    }

    #[test]
    fn listing_filters_by_part_of_the_legal_name() {
        #[track_caller]
        fn case(world: &World, query: &str, expected: &[usize], meta: [usize; 4]) {
            let data: Vec<&Enterprise> = expected
                .iter()
                .map(|index| &world.enterprises[*index])
                .collect();
            let [page_number, page_size, total_pages, total_results] = meta;
            assert_eq!(
                world.list_enterprises(&Query::parse(query)),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(json!({
                        "data": data,
                        "meta": {
                            "page_number": page_number,
                            "page_size": page_size,
                            "total_pages": total_pages,
                            "total_results": total_results,
                        }
                    })))
                })
            );
        }
        let rules = Rules::default();
        let mut world = World::default();
        for name in ["Acme Corp", "Beta Acme", "Gamma LLC"] {
            let mut body = acme();
            body["legal_name"] = json!(name);
            world.create_enterprise(&body, context(&rules)).unwrap();
        }
        case(&world, "", &[0, 1, 2], [1, 3, 1, 3]);
        case(&world, "legal_name=acme", &[0, 1], [1, 2, 1, 2]);
        case(
            &world,
            "filter[legal_name][contains]=ACME",
            &[0, 1],
            [1, 2, 1, 2],
        );
        case(
            &world,
            "legal_name=acme&filter[legal_name][contains]=beta",
            &[1],
            [1, 1, 1, 1],
        );
        case(&world, "legal_name=delta", &[], [1, 0, 1, 0]);
        case(&world, "page[size]=2&page[number]=2", &[2], [2, 1, 2, 3]);
    }
}
