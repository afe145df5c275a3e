//! The Telnyx client against the sandbox and against a scripted misbehaving server:
//! pagination, retries, ambiguity, redirects, body caps, and the key kept out of every
//! log line and error.

use std::time::Duration;

use telrep::model::E164;
use telrep::sandbox::SandboxConfig;
use telrep::telnyx::{ApiError, ApiKey, Client, ClientConfig, NumberFilter};

use crate::support::api::{Env, config_with_inventory};
use crate::support::scripted::{Scripted, numbers_page};

const KEY: &str = "KEYsuper-secret-0123456789";

fn client(base_url: &str) -> Client {
    let mut config = ClientConfig::new(base_url, ApiKey::new(KEY).unwrap());
    // Waits are asserted on the pure policy (src/telnyx/retry.rs); here they stay short.
    config.retry.max_wait = Duration::from_millis(20);
    Client::new(config).unwrap()
}

/// `client`, fetching `concurrency` pages of a listing at once.
fn client_with_concurrency(base_url: &str, concurrency: usize) -> Client {
    let mut config = ClientConfig::new(base_url, ApiKey::new(KEY).unwrap());
    config.retry.max_wait = Duration::from_millis(20);
    config.concurrency = concurrency;
    Client::new(config).unwrap()
}

fn page_number(query: &str) -> u64 {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "page[number]")
        .map(|(_, value)| value.parse().unwrap())
        .unwrap()
}

/// Sets up an approved enterprise with `count` monitored numbers through the client.
async fn enterprise_with_numbers(count: usize) -> (Env, Client, String, Vec<E164>) {
    let numbers: Vec<String> = (0..count)
        .map(|index| format!("+1202555{index:04}"))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&refs)).await;
    let client = client(&env.base());
    client.tos_agree().await.unwrap();
    let desired = telrep::manifest::load(
        &crate::support::root().join("examples/acme.yaml"),
        Default::default(),
    )
    .unwrap();
    let enterprise = client.create_enterprise(&desired.enterprise).await.unwrap();
    let pdf = std::fs::read(crate::support::root().join("examples/loa/acme-signed.pdf")).unwrap();
    let document = client
        .upload_document("acme-signed.pdf", &pdf)
        .await
        .unwrap();
    client
        .enable_reputation(&enterprise.id, &document.id, Some("daily"))
        .await
        .unwrap();
    let parsed: Vec<E164> = numbers
        .iter()
        .map(|number| E164::parse(number).unwrap())
        .collect();
    for batch in parsed.chunks(100) {
        client.add_numbers(&enterprise.id, batch).await.unwrap();
    }
    (env, client, enterprise.id, parsed)
}

#[tokio::test]
async fn pagination_at_the_page_boundaries() {
    for (count, pages) in [(0, 1), (250, 1), (251, 2), (500, 2), (501, 3)] {
        let (env, client, id, numbers) = enterprise_with_numbers(count).await;
        env.clear_requests().await;
        let listed = client.list_numbers(&id, &NumberFilter::All).await.unwrap();
        let listed: Vec<String> = listed
            .into_iter()
            .map(|number| number.phone_number)
            .collect();
        let expected: Vec<String> = numbers.iter().map(ToString::to_string).collect();
        assert_eq!(listed, expected, "{count} numbers");
        let requests = env.requests().await;
        let queries: Vec<String> = requests
            .iter()
            .map(|(_, _, query, _)| query.clone())
            .collect();
        let expected_queries: Vec<String> = (1..=pages)
            .map(|page| format!("page%5Bnumber%5D={page}&page%5Bsize%5D=250"))
            .collect();
        let mut sorted = queries.clone();
        sorted.sort();
        assert_eq!(
            sorted, expected_queries,
            "{count} numbers: one request per page, size 250"
        );
        assert!(
            requests
                .iter()
                .all(|(method, path, _, status)| method == "GET"
                    && *path == format!("/v2/enterprises/{id}/reputation/numbers")
                    && *status == 200)
        );
    }
}

#[tokio::test]
async fn every_call_reaches_the_documented_endpoint() {
    let (env, client, id, numbers) = enterprise_with_numbers(3).await;
    env.clear_requests().await;
    let first = numbers[0];
    client.tos_status().await.unwrap();
    let found = client.list_enterprises(Some("Acme")).await.unwrap();
    assert_eq!(
        found
            .iter()
            .map(|enterprise| enterprise.id.as_str())
            .collect::<Vec<_>>(),
        [id.as_str()]
    );
    assert_eq!(
        client
            .get_enterprise(&id)
            .await
            .unwrap()
            .map(|enterprise| enterprise.legal_name),
        Some("Acme Corp".to_owned())
    );
    let mut fields = serde_json::Map::new();
    fields.insert("website".to_owned(), serde_json::json!("https://acme.org"));
    assert_eq!(
        client
            .update_enterprise(&id, &fields)
            .await
            .unwrap()
            .website,
        "https://acme.org"
    );
    let settings = client.get_reputation(&id).await.unwrap().unwrap();
    assert_eq!(
        (settings.status.as_str(), settings.check_frequency.as_str()),
        ("approved", "daily")
    );
    assert_eq!(
        client
            .update_frequency(&id, "weekly")
            .await
            .unwrap()
            .check_frequency,
        "weekly"
    );
    let equal = client
        .list_numbers(&id, &NumberFilter::Equals(first))
        .await
        .unwrap();
    assert_eq!(equal.len(), 1);
    let looked_up = client.get_number(&id, first, false).await.unwrap();
    assert!(looked_up.reputation_data.is_some());
    let refreshed = client.refresh_numbers(&id, &numbers).await.unwrap();
    assert_eq!(refreshed.total_successful, 3);
    assert!(client.delete_number(&id, first).await.unwrap());
    assert!(!client.delete_number(&id, first).await.unwrap());
    assert_eq!(client.list_all_numbers().await.unwrap().len(), 2);
    assert_eq!(
        client
            .list_phone_numbers(Some("2025550001"))
            .await
            .unwrap()
            .len(),
        1
    );
    let document_id = settings.loa_document_id.clone().unwrap();
    assert_eq!(
        client
            .get_document(&document_id)
            .await
            .unwrap()
            .map(|document| document.id),
        Some(document_id.clone())
    );
    let loa = client.update_loa(&id, &document_id).await.unwrap_err();
    assert_eq!(loa.status(), Some(400));
    client.disable_reputation(&id).await.unwrap();
    assert_eq!(client.get_reputation(&id).await.unwrap(), None);
    let seen: String = env
        .requests()
        .await
        .into_iter()
        .map(|(method, path, query, status)| format!("{method} {path}?{query} {status}\n"))
        .collect();
    crate::snapshot!(seen, @"
    GET /v2/terms_of_service/status?product_type=number_reputation 200
    GET /v2/enterprises?legal_name=Acme&page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/enterprises/[UUID]? 200
    PUT /v2/enterprises/[UUID]? 200
    GET /v2/enterprises/[UUID]/reputation? 200
    PATCH /v2/enterprises/[UUID]/reputation/frequency? 200
    GET /v2/enterprises/[UUID]/reputation/numbers?filter%5Bphone_number%5D%5Beq%5D=%2B12025550000&page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/enterprises/[UUID]/reputation/numbers/%2B12025550000? 200
    POST /v2/enterprises/[UUID]/reputation/numbers/refresh? 200
    DELETE /v2/enterprises/[UUID]/reputation/numbers/%2B12025550000? 204
    DELETE /v2/enterprises/[UUID]/reputation/numbers/%2B12025550000? 404
    GET /v2/reputation/numbers?page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/phone_numbers?filter%5Bphone_number%5D=2025550001&page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/documents/[UUID]? 200
    PATCH /v2/enterprises/[UUID]/reputation/loa? 400
    DELETE /v2/enterprises/[UUID]/reputation? 204
    GET /v2/enterprises/[UUID]/reputation? 404
    ");
    assert_eq!(
        client.request_count(),
        4 + 1 + 17,
        "agree, create, upload, enable, one add, and the 17 above"
    );
}

#[tokio::test]
async fn a_failing_middle_page_fails_the_listing() {
    let server = Scripted::start(|_, query, _| match page_number(query) {
        2 => (
            500,
            vec![],
            r#"{"errors":[{"code":"10007","title":"Unexpected error","detail":"boom"}]}"#
                .to_owned(),
        ),
        page => (
            200,
            vec![],
            numbers_page((page - 1) * 250, 250, page, 3, 750),
        ),
    })
    .await;
    let error = client(&server.base_url())
        .list_numbers("e", &NumberFilter::All)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "GET /enterprises/e/reputation/numbers: 500 Unexpected error [10007]: boom"
    );
    let page_two = server
        .seen()
        .iter()
        .filter(|(_, query, _)| page_number(query) == 2)
        .count();
    assert_eq!(page_two, 3, "a read is retried twice");
}

#[tokio::test]
async fn inconsistent_listings_are_errors() {
    type Case = (&'static str, fn(u64) -> String);
    let cases: [Case; 4] = [
        (
            "e: inconsistent listing: page 1 says 2 pages of 250 for 600 results: 3 pages are needed",
            |page| numbers_page((page - 1) * 250, 250, page, 2, 600),
        ),
        (
            "e: inconsistent listing: page 2 of 3 holds 100 items, 250 expected (read 3 times)",
            |page| {
                numbers_page(
                    (page - 1) * 250,
                    if page == 2 { 100 } else { 250 },
                    page,
                    3,
                    600,
                )
            },
        ),
        (
            "e: inconsistent listing: page 3 says 601 results in 3 pages, page 1 said 600 in 3: the listing changed while it was read; run again (read 3 times)",
            |page| {
                numbers_page(
                    (page - 1) * 250,
                    if page == 3 { 100 } else { 250 },
                    page,
                    3,
                    if page == 3 { 601 } else { 600 },
                )
            },
        ),
        (
            "e: inconsistent listing: `+12020000249` is listed twice (read 3 times)",
            |page| {
                numbers_page(
                    if page == 2 { 249 } else { (page - 1) * 250 },
                    250,
                    page,
                    2,
                    500,
                )
            },
        ),
    ];
    for (expected, page) in cases {
        let server =
            Scripted::start(move |_, query, _| (200, vec![], page(page_number(query)))).await;
        let client =
            client(&format!("{}/enterprises", server.base_url()).replace("/enterprises", ""));
        let error = client.list_all_numbers().await.unwrap_err();
        let text = error.to_string().replace("/reputation/numbers", "e");
        assert_eq!(text, expected);
        // A later page contradicting the earlier ones may be a change: read again from
        // page 1, as often as a call is retried; page 1 contradicting itself is not.
        let firsts = server
            .seen()
            .iter()
            .filter(|(_, query, _)| page_number(query) == 1)
            .count();
        assert_eq!(
            firsts,
            if expected.ends_with("times)") { 3 } else { 1 },
            "{expected}"
        );
    }
}

/// The monitored listing made compact page by page: a number that is not E.164 on page 2
/// ends it there (no page after it is asked for), duplicates are told by the number, and
/// a listing of three pages gives every number once, in order, with its flags.
#[tokio::test]
async fn the_monitored_listing_checks_each_page_as_it_converts_it() {
    let server = Scripted::start(|_, query, _| {
        let page = page_number(query);
        let body = numbers_page((page - 1) * 250, 250, page, 3, 750);
        let body = if page == 2 {
            body.replacen("\"+12020000250\"", "\"12020000250\"", 1)
        } else {
            body
        };
        (200, vec![], body)
    })
    .await;
    let error = client_with_concurrency(&server.base_url(), 1)
        .list_monitored("e")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "/enterprises/e/reputation/numbers: inconsistent listing: `12020000250` is not an E.164 number"
    );
    let pages: Vec<u64> = server
        .seen()
        .iter()
        .map(|(_, query, _)| page_number(query))
        .collect();
    assert_eq!(pages, [1, 2]);

    let server = Scripted::start(|_, query, _| {
        let page = page_number(query);
        (
            200,
            vec![],
            numbers_page((page - 1) * 250, 250, page, 3, 750),
        )
    })
    .await;
    let monitored = client(&server.base_url())
        .list_monitored("e")
        .await
        .unwrap();
    let expected: Vec<String> = (0..750).map(|index| format!("+1202{:07}", index)).collect();
    let listed: Vec<String> = monitored.numbers.iter().map(ToString::to_string).collect();
    assert_eq!(listed, expected);
    assert!(monitored.external.is_empty());
    assert!(monitored.ownership.is_empty());
}

#[tokio::test]
async fn retries_follow_the_policy() {
    // Two 503s, then success: a read goes through on its third attempt.
    let server = Scripted::start(|_, _, count| match count {
        0 | 1 => (503, vec![("retry-after-ms", "5".to_owned())], r#"{"errors":[{"code":"10007","title":"Unavailable"}]}"#.to_owned()),
        _ => (200, vec![], r#"{"data":{"agreement_required":false,"has_agreed":true,"current_terms_version":"v","agreed_version":"v","agreed_at":null,"product_type":"number_reputation"}}"#.to_owned()),
    })
    .await;
    let client = client(&server.base_url());
    assert!(!client.tos_status().await.unwrap().agreement_required);
    assert_eq!(client.request_count(), 3);

    // A 500 to a create is ambiguous: sent once, never resent.
    let server = Scripted::start(|_, _, _| {
        (
            500,
            vec![],
            r#"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#.to_owned(),
        )
    })
    .await;
    let client = crate::client::client(&server.base_url());
    let desired = telrep::manifest::load(
        &crate::support::root().join("examples/acme.yaml"),
        Default::default(),
    )
    .unwrap();
    let error = client
        .create_enterprise(&desired.enterprise)
        .await
        .unwrap_err();
    assert!(error.is_ambiguous());
    assert_eq!(
        error.to_string(),
        "POST /enterprises: 500 Unexpected error [10007] (the write may or may not have taken effect)"
    );
    assert_eq!(server.seen().len(), 1);

    // A 429 to a create means "not processed": resent.
    let server = Scripted::start(|_, _, count| match count {
        0 => (429, vec![("retry-after", "0".to_owned())], r#"{"errors":[{"code":"10011","title":"Too many requests"}]}"#.to_owned()),
        _ => (422, vec![], r#"{"errors":[{"code":"10015","title":"Invalid value","detail":"bad","source":{"pointer":"/body/fein"}}]}"#.to_owned()),
    })
    .await;
    let client = crate::client::client(&server.base_url());
    let error = client
        .create_enterprise(&desired.enterprise)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "POST /enterprises: 422 Invalid value [10015]: bad (at `/body/fein`)"
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn connections_reset_mid_response() {
    let mut config = SandboxConfig::local();
    config.faults.reset_rate = 1.0;
    let env = Env::start(config).await;
    let client = client(&env.base());
    let read = client.tos_status().await.unwrap_err();
    assert!(
        matches!(
            read,
            ApiError {
                kind: telrep::telnyx::ApiErrorKind::Transport { .. },
                ambiguous: false,
                ..
            }
        ),
        "{read:?}"
    );
    assert_eq!(client.request_count(), 3, "a read is retried after a reset");
    let number = E164::parse("+12025550100").unwrap();
    let write = client.add_numbers("e", &[number]).await.unwrap_err();
    assert!(write.is_ambiguous(), "{write:?}");
    assert_eq!(
        client.request_count(),
        4,
        "a non-idempotent write is not resent after a reset"
    );
    // A document upload is resent like a read: a second copy is free.
    let pdf = b"%PDF-1.4 tiny";
    let upload = client.upload_document("loa.pdf", pdf).await.unwrap_err();
    assert!(!upload.is_ambiguous(), "{upload:?}");
    assert_eq!(
        client.request_count(),
        7,
        "an upload is retried after a reset"
    );
}

#[tokio::test]
async fn redirects_are_refused_and_the_key_is_not_sent_on() {
    let target = Scripted::start(|_, _, _| (200, vec![], "{}".to_owned())).await;
    let location = format!("http://{}/steal", target.address);
    let redirecting =
        Scripted::start(move |_, _, _| (302, vec![("location", location.clone())], String::new()))
            .await;
    let error = client(&redirecting.base_url())
        .tos_status()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "GET /terms_of_service/status: the server redirected to `http://{}/steal`; telrep does not follow redirects (check --api-url)",
            target.address
        )
    );
    assert_eq!(target.seen(), []);
    assert_eq!(redirecting.seen().len(), 1);
}

#[tokio::test]
async fn bodies_are_read_up_to_the_cap() {
    let server = Scripted::start(|_, _, _| {
        (
            200,
            vec![],
            format!("{{\"data\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)),
        )
    })
    .await;
    let mut config = ClientConfig::new(server.base_url(), ApiKey::new(KEY).unwrap());
    config.max_body = 1024 * 1024;
    let error = Client::new(config).unwrap().tos_status().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "GET /terms_of_service/status: the response body is larger than 1048576 bytes"
    );
}

/// `telrep plan --verbose` with `KEY`, in a process of its own: the log lines come from the
/// one subscriber the command installs (an in-process subscriber shares tracing's global
/// interest cache with every other test's thread, and missed lines now and then). It logs
/// what a user sees (`telrep=debug`), not other crates' trace lines.
async fn verbose_plan(base: String, extra: &[&str]) -> std::process::Output {
    let workspace = crate::support::api::workspace(&["+12025550101"], "");
    let mut args = vec!["plan", "--verbose", "acme.yaml"];
    args.extend_from_slice(extra);
    crate::support::api::telrep_keyed(base, KEY, workspace.path(), &args).await
}

#[tokio::test]
async fn the_key_never_appears_in_logs_or_errors() {
    let scripted = |_: &str, _: &str, count: usize| match count {
        0 => (
            503,
            vec![],
            r#"{"errors":[{"code":"10007","title":"Unavailable"}]}"#.to_owned(),
        ),
        _ => (
            401,
            vec![],
            r#"{"errors":[{"code":"10009","title":"Authentication failed"}]}"#.to_owned(),
        ),
    };
    let server = Scripted::start(scripted).await;
    let client = client(&server.base_url());
    let error = client.tos_status().await.unwrap_err();
    assert_eq!(
        server.seen()[0].2.as_deref(),
        Some(format!("Bearer {KEY}").as_str()),
        "the key is sent"
    );
    let refused = Scripted::start(scripted).await;
    let refused = verbose_plan(refused.base_url(), &[]).await;
    let reset = Env::start({
        let mut config = SandboxConfig::local();
        config.faults.reset_rate = 1.0;
        config
    })
    .await;
    let transport = crate::client::client(&reset.base())
        .tos_agree()
        .await
        .unwrap_err();
    let cut = verbose_plan(reset.base(), &["--max-retries", "0"]).await;
    for (output, logged) in [
        (&refused, "status=401"),
        (&cut, "path=/terms_of_service/status attempt=1"),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr
                .lines()
                .any(|line| line.contains("telnyx call failed") && line.contains(logged)),
            "calls are logged: {stderr}"
        );
    }
    for text in [
        String::from_utf8_lossy(&refused.stdout).into_owned(),
        String::from_utf8_lossy(&refused.stderr).into_owned(),
        String::from_utf8_lossy(&cut.stdout).into_owned(),
        String::from_utf8_lossy(&cut.stderr).into_owned(),
        error.to_string(),
        format!("{error:?}"),
        transport.to_string(),
        format!("{transport:?}"),
        format!("{client:?}"),
    ] {
        assert!(
            !text.contains(KEY) && !text.contains("super-secret"),
            "the key leaked into: {text}"
        );
    }
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback() {
    let error = Client::new(ClientConfig::new(
        "http://api.telnyx.com/v2",
        ApiKey::new(KEY).unwrap(),
    ))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "refusing the API URL `http://api.telnyx.com/v2`: plain http:// would send the API key unencrypted; use https:// (http:// is allowed only to a loopback address such as the sandbox)"
    );
}

#[tokio::test]
async fn issue_9_a_lying_total_pages_is_refused_before_page_two() {
    type Case = (&'static str, fn(u64) -> String);
    let cases: [Case; 6] = [
        (
            "/reputation/numbers: inconsistent listing: page 1 says 1000000000 pages of 250 for 1000000000 results: at most 4000000 pages are possible",
            |page| numbers_page((page - 1) * 250, 250, page, 1_000_000_000, 1_000_000_000),
        ),
        (
            "/reputation/numbers: inconsistent listing: page 1 says 18446744073709551615 pages of 250 for 18446744073709551615 results: at most 73786976294838207 pages are possible",
            |page| numbers_page((page - 1) * 250, 250, page, u64::MAX, u64::MAX),
        ),
        (
            "/reputation/numbers: inconsistent listing: page 1 says 4000000 pages of 250 for 1000000000 results: telrep reads at most 40000 pages (10000000 results) of one listing",
            |page| numbers_page((page - 1) * 250, 250, page, 4_000_000, 1_000_000_000),
        ),
        (
            "/reputation/numbers: inconsistent listing: page 1 of 10 holds 10 items, 250 expected",
            |page| numbers_page((page - 1) * 10, 10, page, 10, 2500),
        ),
        (
            "/reputation/numbers: inconsistent listing: page 1 says 4 pages of 1000 for 1000 results: at most 1 pages are possible",
            |page| {
                numbers_page((page - 1) * 250, 250, page, 4, 1000)
                    .replace("\"page_size\":250", "\"page_size\":1000")
            },
        ),
        (
            "/reputation/numbers: inconsistent listing: page 1 says it is page 2",
            |_| numbers_page(0, 250, 2, 10, 2500),
        ),
    ];
    for (expected, page) in cases {
        let server =
            Scripted::start(move |_, query, _| (200, vec![], page(page_number(query)))).await;
        let client = client(&server.base_url());
        let error = client.list_all_numbers().await.unwrap_err();
        assert_eq!(error.to_string(), expected);
        assert!(
            matches!(
                error.kind,
                telrep::telnyx::ApiErrorKind::Inconsistent { .. }
            ),
            "{error:?}"
        );
        let pages: Vec<u64> = server
            .seen()
            .iter()
            .map(|(_, query, _)| page_number(query))
            .collect();
        assert_eq!(pages, [1], "{expected}: only page 1 is read");
    }
}

#[tokio::test]
async fn issue_9_a_page_that_contradicts_page_one_stops_the_listing() {
    // Page 1 announces 40 pages of 10,000 results; page 2 says 1,000,000 pages.
    let server = Scripted::start(|_, query, _| {
        let page = page_number(query);
        let (total_pages, total_results) = if page == 1 {
            (40, 10_000)
        } else {
            (1_000_000, 250_000_000)
        };
        (
            200,
            vec![],
            numbers_page((page - 1) * 250, 250, page, total_pages, total_results),
        )
    })
    .await;
    let error = client_with_concurrency(&server.base_url(), 1)
        .list_numbers("e", &NumberFilter::All)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "/enterprises/e/reputation/numbers: inconsistent listing: page 2 says 250000000 results in 1000000 pages, page 1 said 10000 in 40: the listing changed while it was read; run again (read 3 times)"
    );
    let pages: Vec<u64> = server
        .seen()
        .iter()
        .map(|(_, query, _)| page_number(query))
        .collect();
    assert_eq!(
        pages,
        [1, 2, 1, 2, 1, 2],
        "no page after the contradicting one is asked for, in each of the three readings"
    );
}

#[tokio::test]
async fn issue_9_a_listing_without_meta_names_meta() {
    let server = Scripted::start(|_, _, _| (200, vec![], r#"{"data": []}"#.to_owned())).await;
    let error = client(&server.base_url())
        .list_numbers("e", &NumberFilter::All)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "GET /enterprises/e/reputation/numbers: unexpected response body: missing field `meta` at line 1 column 12"
    );
}

/// Runs `telrep ARGS --api-url BASE` in `directory` with `KEY` in `TELNYX_API_KEY`, off the
/// runtime's threads (the scripted server keeps serving meanwhile).
async fn telrep_with_key(
    base: String,
    directory: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let directory = directory.to_path_buf();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args(&args)
            .arg("--api-url")
            .arg(&base)
            .current_dir(directory)
            .env("TELNYX_API_KEY", KEY)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn issue_9_a_key_the_server_echoes_is_shown_as_stars() {
    use base64::Engine as _;
    let echoing_body = Scripted::start(|_, _, _| {
        (
            401,
            vec![],
            r#"{"errors":[{"code":"10009","title":"Authentication failed","detail":"bad header `Authorization: {authorization}`"}]}"#.to_owned(),
        )
    })
    .await;
    let echoing_location = Scripted::start(|_, _, _| {
        (
            302,
            vec![(
                "location",
                "https://evil.example/steal?token={authorization}".to_owned(),
            )],
            String::new(),
        )
    })
    .await;
    let workspace = crate::support::api::workspace(&["+12025550101"], "");
    let saved = workspace.path().join("saved-plan.json");
    let saved_arg = saved.display().to_string();
    let cases = [
        (
            &echoing_body,
            "GET /terms_of_service/status: 401 Authentication failed [10009]: bad header `Authorization: Bearer ***`",
        ),
        (
            &echoing_location,
            "GET /terms_of_service/status: the server redirected to `https://evil.example/steal?token=Bearer ***`; telrep does not follow redirects (check --api-url)",
        ),
    ];
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(KEY);
    for (server, expected) in cases {
        let line = format!(
            "cannot read the account at `{}`: {expected}",
            server.address
        );
        let text = format!(
            "exit: 1\n----- stdout -----\nEnterprise Acme Corp, manifest acme.yaml\n\nThe plan cannot be made:\n  - {line}\n    help: nothing was planned; check the network, the key, and `--api-url` or `TELNYX_BASE_URL`, then plan again\n\nPlan failed: 1 error.\n----- stderr -----\n"
        );
        let json = format!(
            "exit: 1\n----- stdout -----\n{}\n----- stderr -----\n",
            serde_json::json!({"errors": [line], "event": "plan_failed", "manifest": "acme.yaml"})
        );
        // A plan that cannot be made is not saved (so no error text reaches a file).
        let saving = format!(
            "{text}error: not saving `{saved_arg}`: 1 plan cannot be made; fix the errors below and plan again\n"
        );
        let runs = [
            (vec!["plan", "acme.yaml"], &text),
            (
                vec!["apply", "--format", "json", "--auto-approve", "acme.yaml"],
                &json,
            ),
            (
                vec!["plan", "--out", saved_arg.as_str(), "acme.yaml"],
                &saving,
            ),
        ];
        for (args, expected_output) in runs {
            let output = telrep_with_key(server.base_url(), workspace.path(), &args).await;
            let rendered = crate::support::render(&output);
            let file = std::fs::read_to_string(&saved).unwrap_or_default();
            for text in [&rendered, &file] {
                assert!(
                    !text.contains(KEY)
                        && !text.contains("super-secret")
                        && !text.contains(&encoded),
                    "{args:?}: the key leaked: {text}"
                );
            }
            assert_eq!(&rendered, expected_output, "{args:?}");
        }
        assert!(!saved.exists());
    }
}

#[tokio::test]
async fn issue_9_a_server_cannot_forge_lines_in_telreps_output() {
    // A 403 whose detail tries to end telrep's line, clear the screen and print its own
    // "success", and to turn text around with U+202E.
    let detail =
        "denied\n\u{1b}[2J\u{7}No changes. The account matches the manifest.\u{202e}fdp.exe";
    let body =
        serde_json::json!({"errors": [{"code": "10010", "title": "Forbidden", "detail": detail}]})
            .to_string();
    let server = Scripted::start(move |_, _, _| (403, Vec::new(), body.clone())).await;
    let workspace = crate::support::api::workspace(&[], "");
    let output = telrep_with_key(server.base_url(), workspace.path(), &["plan", "acme.yaml"]).await;
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        !stdout
            .chars()
            .any(|character| character != '\n' && telrep::telnyx::is_forging(character)),
        "{stdout:?}"
    );
    let error = stdout
        .lines()
        .find(|line| line.starts_with("  - "))
        .unwrap();
    assert_eq!(
        error,
        format!(
            "  - cannot read the account at `{}`: GET /terms_of_service/status: 403 Forbidden [10010]: denied\\n\\u001b[2J\\u0007No changes. The account matches the manifest.\\u202efdp.exe",
            server.address
        )
    );
}

#[tokio::test]
async fn a_write_answered_2xx_with_an_unreadable_body_may_have_taken_effect() {
    let server =
        Scripted::start(|_, _, _| (200, vec![], r#"{"data": {"results": 7}}"#.to_owned())).await;
    let numbers = [E164::parse("+12025550100").unwrap()];
    let error = client(&server.base_url())
        .refresh_numbers("e", &numbers)
        .await
        .unwrap_err();
    assert!(error.is_ambiguous(), "a 2xx write was processed: {error}");
    assert_eq!(
        error.to_string(),
        "POST /enterprises/e/reputation/numbers/refresh: unexpected response body: invalid type: integer `7`, expected a sequence at line 1 column 22 (the write may or may not have taken effect)"
    );
    assert_eq!(server.seen().len(), 1, "never resent");
}

#[tokio::test]
async fn a_rendered_loa_is_kept_byte_for_byte_and_anything_else_is_refused() {
    // Control bytes are ordinary in a PDF: they are not screened as they are in JSON.
    let pdf = "%PDF-1.4\n\u{1b}[31m binary \u{7}\n%%EOF\n";
    let server = Scripted::start(move |path, _, _| {
        if path.contains("/enterprises/good/") {
            (
                200,
                vec![("content-type", "application/pdf".to_owned())],
                pdf.to_owned(),
            )
        } else {
            (200, vec![], r#"{"data": {}}"#.to_owned())
        }
    })
    .await;
    let client = client(&server.base_url());
    assert_eq!(client.render_loa("good").await.unwrap(), pdf.as_bytes());
    let error = client.render_loa("bad").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "POST /enterprises/bad/reputation/loa: unexpected response body: the answer is not a PDF (it does not start with `%PDF-`)"
    );
}
