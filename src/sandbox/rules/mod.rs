//! The API's rules, as the sandbox enforces them (docs/api.md): one method of `World`
//! per call, taking decoded inputs and returning the status and body to send. No HTTP
//! here; `routes.rs` does the decoding.
//!
//! This module holds what every resource shares: the `Rules` and `Context` a call runs
//! under, the `Reply`/`Problem` it returns with their builders, the query string and
//! pagination. Each resource's calls live in their own file (`terms`, `enterprises`,
//! `reputation`, `numbers`, `documents`, `inventory`, `external` for the ownership proof
//! of numbers hosted elsewhere, `ownership` for their tracking, `webhook`, `remediation`, `scores` for reputation data, `loa` for the rendered LOA); they depend on
//! this module, on `state` and on `telnyx::wire`, and on each other only through `World`'s
//! lookups.

mod documents;
mod enterprises;
mod external;
mod inventory;
mod loa;
mod numbers;
mod ownership;
mod remediation;
mod reputation;
mod scores;
mod terms;
mod webhook;

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Value, json};

use super::state::{Billing, World};
use crate::telnyx::wire::{ErrorEntry, ErrorMeta, ErrorSource};

pub use documents::Upload;

/// The sandbox's fixed behaviour, from its command line.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// How long vetting and each LOA review take (milliseconds; 0 approves at once).
    pub approve_after_ms: i64,
    /// Legal names whose vetting is rejected.
    pub reject: Vec<String>,
    /// Legal names whose ownership proof for numbers hosted elsewhere is rejected.
    pub reject_external: Vec<String>,
    /// Numbers whose add fails their batch although they are in the inventory.
    pub refuse: HashSet<String>,
    /// Seed of ids and reputation data.
    pub seed: u64,
}

/// The time and rules a call runs under.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Unix milliseconds.
    pub now_ms: i64,
    /// The rules.
    pub rules: &'a Rules,
}

/// A success: status and JSON body (none for 204).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Option<Body>,
}

/// A reply's JSON: a value a rule built, or a page written straight from its records (a
/// tree of 250 records, built only to be written, was most of a page's cost).
#[derive(Debug, Clone)]
pub enum Body {
    /// Built by a rule.
    Value(Value),
    /// Already serialized.
    Serialized(Vec<u8>),
}

impl Body {
    /// The body as a JSON value (what the tests of the rules compare).
    pub fn json(&self) -> Value {
        match self {
            Self::Value(value) => value.clone(),
            Self::Serialized(bytes) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
        }
    }
}

/// The same JSON, however it is held.
impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Value(left), Self::Value(right)) => left == right,
            _ => self.json() == other.json(),
        }
    }
}

impl Reply {
    /// The body as a JSON value, `null` for none.
    pub fn json(&self) -> Value {
        self.body.as_ref().map_or(Value::Null, Body::json)
    }
}

/// A failure: status and the Telnyx error entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// One entry per problem; never empty.
    pub errors: Vec<ErrorEntry>,
}

/// What every rule returns.
pub type Outcome = Result<Reply, Problem>;

/// An error entry with the sandbox's codes (callers branch on the status, not on these).
pub fn entry(code: &str, title: &str, detail: impl Into<String>) -> ErrorEntry {
    ErrorEntry {
        code: code.to_owned(),
        title: title.to_owned(),
        detail: Some(detail.into()),
        source: None,
        meta: Some(ErrorMeta {
            url: Some(format!(
                "https://developers.telnyx.com/docs/overview/errors/{code}"
            )),
        }),
    }
}

/// A 422 for a body field the rules refuse, pointing at it (`pointer` below `/body`).
fn invalid_body(detail: String, pointer: &str) -> Problem {
    Problem {
        status: 422,
        errors: vec![at_pointer(
            entry("10015", "Invalid request body", detail),
            pointer,
        )],
    }
}

fn at_pointer(mut error: ErrorEntry, pointer: &str) -> ErrorEntry {
    error.source = Some(ErrorSource {
        pointer: Some(format!("/body{pointer}")),
        parameter: None,
    });
    error
}

fn at_parameter(mut error: ErrorEntry, parameter: &str) -> ErrorEntry {
    error.source = Some(ErrorSource {
        pointer: None,
        parameter: Some(parameter.to_owned()),
    });
    error
}

/// A one-entry problem.
pub fn problem(status: u16, code: &str, title: &str, detail: impl Into<String>) -> Problem {
    Problem {
        status,
        errors: vec![entry(code, title, detail)],
    }
}

fn not_found(what: &str) -> Problem {
    problem(
        404,
        "10005",
        "Resource not found",
        format!("{what} not found"),
    )
}

fn ok(status: u16, body: Value) -> Outcome {
    Ok(Reply {
        status,
        body: Some(Body::Value(body)),
    })
}

fn data(status: u16, value: &impl Serialize) -> Outcome {
    ok(status, json!({ "data": value }))
}

fn no_content() -> Outcome {
    Ok(Reply {
        status: 204,
        body: None,
    })
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(now_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms)
        .map(|time| time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// A decoded query string, in order, with bracketed keys (`page[size]`) decoded from
/// either spelling.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Decodes `raw` (may be empty).
    pub fn parse(raw: &str) -> Self {
        Self(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One page of `items` as `{data, meta}`, by `page[number]` and `page[size]` (clamped to
/// 250; past the end an empty page with correct meta).
fn paginate<T: Serialize>(items: &[T], query: &Query, default_size: usize) -> Outcome {
    paginate_ranked(
        items.len(),
        |start, size| {
            let start = start.min(items.len());
            let end = start.saturating_add(size).min(items.len());
            items.get(start..end).unwrap_or(&[]).iter().collect()
        },
        query,
        default_size,
    )
}

/// `paginate` over a listing of `total` items that `page(start, size)` reaches by rank:
/// only the page is touched, so its cost does not grow with the listing.
fn paginate_ranked<'a, T: Serialize + 'a>(
    total: usize,
    page: impl FnOnce(usize, usize) -> Vec<&'a T>,
    query: &Query,
    default_size: usize,
) -> Outcome {
    let number = page_parameter(query, "page[number]", 1)?;
    let size = page_parameter(query, "page[size]", default_size)?.min(250);
    let start = (number - 1).saturating_mul(size);
    let items = if start < total {
        page(start, size)
    } else {
        Vec::new()
    };
    page_body(&items, number, total, size)
}

/// `{data, meta}` for one page of a listing of `total` items, serialized from the items.
fn page_body<T: Serialize>(page: &[T], number: usize, total: usize, size: usize) -> Outcome {
    #[derive(Serialize)]
    struct Page<'a, T> {
        data: &'a [T],
        meta: Meta,
    }
    #[derive(Serialize)]
    struct Meta {
        page_number: usize,
        page_size: usize,
        total_pages: usize,
        total_results: usize,
    }
    let body = Page {
        data: page,
        meta: Meta {
            page_number: number,
            page_size: page.len(),
            total_pages: total.div_ceil(size).max(1),
            total_results: total,
        },
    };
    match serde_json::to_vec(&body) {
        Ok(bytes) => Ok(Reply {
            status: 200,
            body: Some(Body::Serialized(bytes)),
        }),
        Err(error) => Err(problem(
            500,
            "10007",
            "Unexpected error",
            format!("sandbox: a page cannot be serialized: {error}"),
        )),
    }
}

/// `paginate` over the items an iterator yields, in one pass that keeps only the page: a
/// listing of 100,000 numbers costs no allocation beyond its 250 items.
fn paginate_filtered<'a, T: Serialize + 'a>(
    items: impl Iterator<Item = &'a T>,
    query: &Query,
    default_size: usize,
) -> Outcome {
    let number = page_parameter(query, "page[number]", 1)?;
    let size = page_parameter(query, "page[size]", default_size)?.min(250);
    let start = (number - 1).saturating_mul(size);
    let mut total = 0;
    let mut page: Vec<&T> = Vec::with_capacity(size.min(250));
    for item in items {
        if total >= start && total - start < size {
            page.push(item);
        }
        total += 1;
    }
    page_body(&page, number, total, size)
}

fn page_parameter(query: &Query, name: &str, default: usize) -> Result<usize, Problem> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(value) if value >= 1 => Ok(value),
            _ => Err(Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        format!("`{name}` must be a positive integer, got `{text}`"),
                    ),
                    name,
                )],
            }),
        },
    }
}

impl World {
    /// A new id for what `scope` names (`enterprise/Acme Corp`, `association/{id}/+1…`):
    /// a version 4 UUID derived from the seed, the scope and how many of the scope's
    /// earlier ids `taken` finds in use. An id depends on what it names, not on how many
    /// ids were handed out before it, so runs with the same seed issue the same ids
    /// whatever order concurrent requests arrive in (two manifests applied at once, add
    /// batches eight at a time) and whatever the inventory's size.
    fn next_id(&mut self, seed: u64, scope: &str, taken: impl Fn(&World, &str) -> bool) -> String {
        use sha2::Digest as _;
        self.ids_issued += 1;
        let mut attempt: u64 = 0;
        loop {
            let mut hasher = sha2::Sha256::new();
            hasher.update(seed.to_le_bytes());
            hasher.update(attempt.to_le_bytes());
            hasher.update(scope.as_bytes());
            let digest = hasher.finalize();
            let mut bytes = [0_u8; 16];
            for (byte, digested) in bytes.iter_mut().zip(digest.iter()) {
                *byte = *digested;
            }
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string();
            // Every id `taken` finds is a record that exists, so this ends.
            if !taken(self, &id) {
                return id;
            }
            attempt += 1;
        }
    }

    /// The billing counters.
    pub fn billing(&self) -> Billing {
        self.billing
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::sandbox::state::World;
    use crate::telnyx::wire::{ErrorEntry, ErrorMeta, ErrorSource};

    /// 2026-01-01T00:00:00Z, the time every unit test of the rules runs at.
    pub(super) const NOW: i64 = 1_767_225_600_000;

    /// The rules the unit tests run under: approval at once, seed 0.
    pub(super) fn context(rules: &Rules) -> Context<'_> {
        Context { now_ms: NOW, rules }
    }

    /// A valid `POST /enterprises` body (examples/acme.yaml's enterprise).
    pub(super) fn acme() -> Value {
        let contact = |email: &str| {
            json!({
                "first_name": "Jane",
                "last_name": "Smith",
                "email": email,
                "phone_number": "+12025551234",
            })
        };
        let address = json!({
            "country": "US",
            "administrative_area": "CA",
            "city": "San Francisco",
            "postal_code": "94105",
            "street_address": "123 Main St",
        });
        let mut organization_contact = contact("jane@acme.com");
        organization_contact["job_title"] = json!("CTO");
        json!({
            "legal_name": "Acme Corp",
            "doing_business_as": "Acme",
            "organization_type": "commercial",
            "country_code": "US",
            "website": "https://acme.com",
            "fein": "12-3456789",
            "industry": "technology",
            "number_of_employees": "51-200",
            "organization_legal_type": "corporation",
            "jurisdiction_of_incorporation": "Delaware",
            "organization_contact": organization_contact,
            "billing_contact": contact("billing@acme.com"),
            "organization_physical_address": address,
            "billing_address": address,
        })
    }

    /// An account that agreed to the terms and holds Acme and an uploaded LOA; the ids of
    /// the enterprise and the document.
    pub(super) fn agreed_with_acme(world: &mut World, rules: &Rules) -> (String, String) {
        world.tos_agree(context(rules)).unwrap();
        let enterprise = world.create_enterprise(&acme(), context(rules)).unwrap();
        let document = world
            .create_document(
                documents::Upload {
                    filename: "loa.pdf".to_owned(),
                    content: b"%PDF-1.4 signed".to_vec(),
                    customer_reference: None,
                    parts: Vec::new(),
                },
                context(rules),
            )
            .unwrap();
        let id = |reply: &Reply| reply.json()["data"]["id"].as_str().unwrap().to_owned();
        (id(&enterprise), id(&document))
    }

    /// As `agreed_with_acme`, with Number Reputation enabled (approved at once under
    /// `Rules::default()`); the enterprise's id.
    pub(super) fn enabled_acme(world: &mut World, rules: &Rules) -> String {
        let (id, document_id) = agreed_with_acme(world, rules);
        world
            .enable(
                &id,
                &json!({ "loa_document_id": document_id }),
                context(rules),
            )
            .unwrap();
        id
    }

    /// Uploads a document named `filename`; its id.
    pub(super) fn upload(world: &mut World, rules: &Rules, filename: &str) -> String {
        let reply = world
            .create_document(
                documents::Upload {
                    filename: filename.to_owned(),
                    content: format!("%PDF-1.4 {filename}").into_bytes(),
                    customer_reference: None,
                    parts: Vec::new(),
                },
                context(rules),
            )
            .unwrap();
        reply.json()["data"]["id"].as_str().unwrap().to_owned()
    }

    /// The number hosted elsewhere that `with_external_number` adds.
    pub(super) const EXTERNAL: &str = "+13125550100";

    /// An enabled Acme (under `rules`, which must approve at once) whose ownership proof is
    /// approved, monitoring `EXTERNAL` (hosted elsewhere) and the inventory's
    /// `+12025551234`; the enterprise id.
    pub(super) fn with_external_number(world: &mut World, rules: &Rules) -> String {
        let id = enabled_acme(world, rules);
        let proof = upload(world, rules, "invoice.pdf");
        world
            .submit_external_verification(&id, &json!({ "document_ids": [proof] }), context(rules))
            .unwrap();
        world.add_inventory(
            &[("+12025551234".to_owned(), "local".to_owned())],
            context(rules),
        );
        let numbers = json!({ "phone_numbers": ["+12025551234", EXTERNAL] });
        world.add_numbers(&id, &numbers, context(rules)).unwrap();
        id
    }

    /// An error entry of code 10015 pointing at `/body{pointer}`.
    pub(super) fn invalid(title: &str, detail: &str, pointer: &str) -> ErrorEntry {
        at_pointer(entry("10015", title, detail), pointer)
    }

    #[test]
    fn an_entry_carries_its_code_and_the_code_s_page() {
        let mut expected = ErrorEntry {
            code: "10015".to_owned(),
            title: "Invalid value".to_owned(),
            detail: Some("`fein` is required".to_owned()),
            source: None,
            meta: Some(ErrorMeta {
                url: Some("https://developers.telnyx.com/docs/overview/errors/10015".to_owned()),
            }),
        };
        assert_eq!(
            entry("10015", "Invalid value", "`fein` is required"),
            expected
        );
        expected.source = Some(ErrorSource {
            pointer: Some("/body/fein".to_owned()),
            parameter: None,
        });
        assert_eq!(
            invalid("Invalid value", "`fein` is required", "/fein"),
            expected
        );
    }

    #[test]
    fn pages() {
        #[track_caller]
        fn case(count: u32, query: &str, data: Vec<u32>, meta: [usize; 4]) {
            let items: Vec<u32> = (0..count).collect();
            let [page_number, page_size, total_pages, total_results] = meta;
            let expected = json!({
                "data": data,
                "meta": {
                    "page_number": page_number,
                    "page_size": page_size,
                    "total_pages": total_pages,
                    "total_results": total_results,
                }
            });
            assert_eq!(
                paginate(&items, &Query::parse(query), 3),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(expected))
                })
            );
        }
        case(7, "", vec![0, 1, 2], [1, 3, 3, 7]);
        case(7, "page[number]=2", vec![3, 4, 5], [2, 3, 3, 7]);
        case(7, "page[number]=3", vec![6], [3, 1, 3, 7]);
        case(
            7,
            "page%5Bnumber%5D=3&page%5Bsize%5D=5",
            vec![],
            [3, 0, 2, 7],
        );
        case(7, "page[number]=9&page[size]=2", vec![], [9, 0, 4, 7]);
        case(7, "page[size]=7", (0..7).collect(), [1, 7, 1, 7]);
        case(0, "", vec![], [1, 0, 1, 0]);
        case(300, "page[size]=1000", (0..250).collect(), [1, 250, 2, 300]);
        case(
            300,
            "page[number]=2&page[size]=251",
            (250..300).collect(),
            [2, 50, 2, 300],
        );
    }

    #[test]
    fn page_parameters_are_positive_integers() {
        #[track_caller]
        fn case(query: &str, name: &str, text: &str) {
            let expected = Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        format!("`{name}` must be a positive integer, got `{text}`"),
                    ),
                    name,
                )],
            };
            assert_eq!(paginate(&[1], &Query::parse(query), 3), Err(expected));
        }
        case("page[number]=0", "page[number]", "0");
        case("page[size]=0", "page[size]", "0");
        case("page[size]=-1", "page[size]", "-1");
        case("page[number]=two", "page[number]", "two");
        case("page[number]=1&page[size]=", "page[size]", "");
    }

    #[test]
    fn queries_keep_the_first_value() {
        let query = Query::parse("fresh=true&page%5Bsize%5D=5&fresh=false&empty=");
        let found: Vec<Option<&str>> = ["fresh", "page[size]", "empty", "missing"]
            .iter()
            .map(|name| query.get(name))
            .collect();
        assert_eq!(found, [Some("true"), Some("5"), Some(""), None]);
    }

    #[test]
    fn timestamps() {
        #[track_caller]
        fn case(now_ms: i64, expected: &str) {
            assert_eq!(timestamp(now_ms), expected);
        }
        case(0, "1970-01-01T00:00:00Z");
        case(NOW, "2026-01-01T00:00:00Z");
        case(NOW + 1_999, "2026-01-01T00:00:01Z");
        case(i64::MAX, "1970-01-01T00:00:00Z");
    }

    #[test]
    fn an_id_does_not_depend_on_what_was_created_before_it() {
        let rules = Rules::default();
        let mut alone = World::default();
        let ids = agreed_with_acme(&mut alone, &rules);
        let mut busy = World::default();
        busy.add_inventory(
            &[("+12025551234".to_owned(), "local".to_owned())],
            context(&rules),
        );
        busy.tos_agree(context(&rules)).unwrap();
        let mut globex = acme();
        globex["legal_name"] = json!("Globex");
        busy.create_enterprise(&globex, context(&rules)).unwrap();
        upload(&mut busy, &rules, "other.pdf");
        assert_eq!(agreed_with_acme(&mut busy, &rules), ids);
        assert_eq!(busy.agreements, alone.agreements);
    }

    #[test]
    fn ids_follow_the_seed_and_what_they_name() {
        let free = |_: &World, _: &str| false;
        let mut world = World::default();
        let acme = world.next_id(7, "enterprise/Acme Corp", free);
        let globex = world.next_id(7, "enterprise/Globex", free);
        let mut again = World::default();
        assert_eq!(
            (
                world.ids_issued,
                [
                    again.next_id(7, "enterprise/Globex", free),
                    again.next_id(7, "enterprise/Acme Corp", free)
                ]
            ),
            (2, [globex.clone(), acme.clone()])
        );
        assert_ne!(acme, world.next_id(8, "enterprise/Acme Corp", free));
        let taken = |_: &World, id: &str| id == acme;
        let second = world.next_id(7, "enterprise/Acme Corp", taken);
        assert_ne!((&second, &globex), (&acme, &acme));
        assert_eq!(
            uuid::Uuid::parse_str(&acme).map(|id| id.get_version_num()),
            Ok(4)
        );
    }
}
