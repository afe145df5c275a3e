//! The API's rules, as the sandbox enforces them (docs/api.md): one method of `World`
//! per call, taking decoded inputs and returning the status and body to send. No HTTP
//! here; `routes.rs` does the decoding.
//!
//! This module holds what every resource shares: the `Rules` and `Context` a call runs
//! under, the `Reply`/`Problem` it returns with their builders, the query string and
//! pagination. Each resource's calls live in their own file (`terms`, `enterprises`,
//! `reputation`, `numbers`, `documents`, `inventory`); they depend on this module, on
//! `state` and on `telnyx::wire`, and on each other only through `World`'s lookups.

mod documents;
mod enterprises;
mod inventory;
mod numbers;
mod reputation;
mod terms;

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
    pub body: Option<Value>,
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
        body: Some(body),
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
    paginate_filtered(items.iter(), query, default_size)
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
    let total_pages = total.div_ceil(size).max(1);
    ok(
        200,
        json!({
            "data": page,
            "meta": {
                "page_number": number,
                "page_size": page.len(),
                "total_pages": total_pages,
                "total_results": total,
            }
        }),
    )
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
    fn next_id(&mut self, seed: u64) -> String {
        self.ids_issued += 1;
        let mut rng = fastrand::Rng::with_seed(
            seed.wrapping_add(self.ids_issued.wrapping_mul(0x2545_F491_4F6C_DD1D)),
        );
        let mut bytes = [0_u8; 16];
        rng.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// The billing counters.
    pub fn billing(&self) -> Billing {
        self.billing
    }
}
