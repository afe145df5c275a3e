//! `telrep report` and `telrep check` against the sandbox: every format, the sort order and
//! the counts from the sandbox's own data, the policy gate at the manifest's lines, and
//! that neither bills anything or reads a number one by one.

use serde_json::{Value, json};

use crate::support::api::{Env, config_with_inventory, converge, telrep_against, workspace};

const NUMBERS: [&str; 8] = [
    "+12025550101",
    "+12025550102",
    "+12025550103",
    "+12025550104",
    "+12025550105",
    "+12025550106",
    "+12025550107",
    "+12025550108",
];

/// A converged account of eight numbers, the first six refreshed (so with data) and a
/// policy of `max_spam_risk: low` and `require_data: true` appended to the manifest.
async fn refreshed() -> (Env, tempfile::TempDir, String) {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let temp = workspace(&NUMBERS, "");
    let id = converge(&env, temp.path(), "acme.yaml").await;
    let (status, body) = env
        .call(
            "POST",
            &format!("/enterprises/{id}/reputation/numbers/refresh"),
            Some(json!({"phone_numbers": &NUMBERS[..6]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Most seeded data is low risk: one high and one medium number make every risk show.
    for (number, risk) in [(NUMBERS[0], "high"), (NUMBERS[1], "medium")] {
        let data = json!({"spam_risk": risk, "spam_category": "Survey", "maturity_score": 50});
        let (status, body) = set_data(&env, number, data).await;
        assert_eq!(status, 200, "{body}");
    }
    let manifest = temp.path().join("acme.yaml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("policy:\n  max_spam_risk: low\n  require_data: true\n");
    std::fs::write(&manifest, text).unwrap();
    (env, temp, id)
}

/// The sandbox's records, as telrep should show them: each number's `spam_risk` (null for
/// no data).
async fn live_risks(env: &Env, id: &str) -> Vec<(String, Option<String>)> {
    let (status, body) = env
        .call(
            "GET",
            &format!("/enterprises/{id}/reputation/numbers?page[size]=250"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            (
                record["phone_number"].as_str().unwrap().to_owned(),
                record["reputation_data"]["spam_risk"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect()
}

fn rank(risk: Option<&str>) -> u8 {
    match risk {
        Some("high") => 0,
        Some("medium") => 1,
        Some("low") => 2,
        Some(_) => 3,
        None => 4,
    }
}

fn check_report_schema(report: &Value) {
    crate::support::check_schema("report.schema.json", report);
}

#[tokio::test(flavor = "multi_thread")]
async fn report_shows_every_number_worst_first_in_four_formats_for_free() {
    let (env, temp, id) = refreshed().await;
    let mut expected = live_risks(&env, &id).await;
    expected.sort_by(|a, b| {
        rank(a.1.as_deref())
            .cmp(&rank(b.1.as_deref()))
            .then_with(|| a.0.cmp(&b.0))
    });
    let count = |risk: &str| {
        expected
            .iter()
            .filter(|(_, rated)| rated.as_deref() == Some(risk))
            .count()
    };
    let billing = env.billing().await;
    env.clear_requests().await;

    let output = telrep_against(
        &env,
        temp.path(),
        &["report", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_report_schema(&report);
    let shown: Vec<(String, Option<String>)> = report["reports"][0]["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|number| {
            (
                number["phone_number"].as_str().unwrap().to_owned(),
                number["reputation_data"]["spam_risk"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(shown, expected);
    let with_violations = expected
        .iter()
        .filter(|(_, risk)| risk.as_deref() != Some("low"))
        .count();
    assert_eq!(
        report["reports"][0]["summary"],
        json!({
            "numbers": 8,
            "by_spam_risk": {"high": count("high"), "medium": count("medium"), "low": count("low"), "other": 0, "no_data": 2},
            "ownership_flagged": 0,
            "violations": with_violations,
        })
    );
    assert_eq!(
        report["reports"][0]["enterprise"],
        json!({"id": id, "legal_name": "Acme Corp"})
    );
    assert_eq!(report["reports"][0]["settings"]["status"], "approved");

    let output = telrep_against(
        &env,
        temp.path(),
        &["report", "--format", "csv", "acme.yaml"],
    )
    .await;
    let csv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "manifest,phone_number,managed,source,spam_risk,spam_category,maturity_score,connection_score,engagement_score,sentiment_score,last_refreshed_at,ownership_status,violations"
    );
    assert_eq!(lines.len(), 1 + 8 + 1, "{csv}");
    assert!(lines[1].starts_with(&format!("acme.yaml,{},true,telnyx,", expected[0].0)));
    assert_eq!(
        lines[8],
        format!(
            "acme.yaml,{},true,telnyx,,,,,,,,verified,require_data",
            expected[7].0
        )
    );

    let output = telrep_against(
        &env,
        temp.path(),
        &["report", "--format", "markdown", "acme.yaml"],
    )
    .await;
    let markdown = String::from_utf8(output.stdout).unwrap();
    assert!(
        markdown.contains(&format!(
            "| 8 | {} | {} | {} | 0 | 2 | 0 | {with_violations} |",
            count("high"),
            count("medium"),
            count("low")
        )),
        "{markdown}"
    );

    let output = telrep_against(&env, temp.path(), &["report", "acme.yaml"]).await;
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text.lines().last(),
        Some(format!(
            "8 numbers: {} high, {} medium, {} low, 0 other, 2 no data; 0 ownership flagged; {with_violations} with violations",
            count("high"), count("medium"), count("low")
        ).as_str())
    );

    // Four reports, not a cent: the same counters, list pages only, no number read alone.
    assert_eq!(env.billing().await, billing);
    let requests = env.requests().await;
    assert!(
        requests.iter().all(|(method, _, _, _)| method == "GET"),
        "{requests:?}"
    );
    assert!(
        !requests
            .iter()
            .any(|(_, path, _, _)| path.contains("/reputation/numbers/+")
                || path.contains("/reputation/numbers/%2B")),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_names_every_violation_at_its_manifest_line_and_passes_when_clean() {
    let (env, temp, id) = refreshed().await;
    let risks = live_risks(&env, &id).await;
    let billing = env.billing().await;
    let output = telrep_against(&env, temp.path(), &["check", "acme.yaml"]).await;
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        crate::support::render(&output)
    );
    let manifest = std::fs::read_to_string(temp.path().join("acme.yaml")).unwrap();
    let line_of = |number: &str| {
        manifest
            .lines()
            .position(|line| line.contains(number))
            .unwrap()
            + 1
    };
    let mut expected: Vec<(u8, String, String)> = risks
        .iter()
        .filter_map(|(number, risk)| {
            let place = format!("acme.yaml:{}:7", line_of(number));
            let line = match risk.as_deref() {
                None => format!("{place}: `{number}` breaks require_data: no reputation data yet"),
                Some("low") => return None,
                Some(risk) => format!(
                    "{place}: `{number}` breaks max_spam_risk: spam_risk `{risk}` is above `low`"
                ),
            };
            Some((rank(risk.as_deref()), number.clone(), line))
        })
        .collect();
    expected.sort();
    // Two of the six are rated above `low`: both rules are exercised.
    assert!(
        expected
            .iter()
            .any(|(_, _, line)| line.contains("max_spam_risk")),
        "{risks:?}"
    );
    let mut lines: Vec<String> = expected.into_iter().map(|(_, _, line)| line).collect();
    lines.push(format!(
        "check failed: {} violation{} among 8 managed numbers",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    ));
    assert_eq!(stdout.lines().collect::<Vec<_>>(), lines);

    let output = telrep_against(
        &env,
        temp.path(),
        &["check", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let checked: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(checked["violations"], json!(lines.len() - 1));
    assert_eq!(checked["checks"][0]["managed"], 8);

    // The CI formats carry the same violations at the same places.
    let violations = &lines[..lines.len() - 1];
    let github: Vec<String> = violations
        .iter()
        .map(|line| {
            let (place, rest) = line.split_once(": ").unwrap();
            let line_number = place.split(':').nth(1).unwrap();
            let rule = rest
                .split("breaks ")
                .nth(1)
                .unwrap()
                .split(':')
                .next()
                .unwrap();
            format!("::error file=acme.yaml,line={line_number},col=7,title={rule}::{rest}")
        })
        .collect();
    let output = telrep_against(
        &env,
        temp.path(),
        &["check", "--format", "github", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        github
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &["check", "--format", "sarif", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    crate::support::check_sarif(&log);
    let results: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let region = &result["locations"][0]["physicalLocation"]["region"];
            format!(
                "acme.yaml:{}:{}: {}",
                region["startLine"],
                region["startColumn"],
                result["message"]["text"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(results, violations);
    let output = telrep_against(
        &env,
        temp.path(),
        &["check", "--format", "gitlab", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let issues: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), violations.len());

    // Without the policy nothing is violated: exit 0.
    let manifest_path = temp.path().join("acme.yaml");
    std::fs::write(&manifest_path, manifest.split("policy:\n").next().unwrap()).unwrap();
    let output = telrep_against(&env, temp.path(), &["check", "acme.yaml"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "check passed: no violation among 8 managed numbers\n"
    );
    assert_eq!(env.billing().await, billing);
}

#[tokio::test(flavor = "multi_thread")]
async fn report_and_check_fail_closed() {
    // An enterprise that does not exist: report shows it, check refuses to pass.
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let temp = workspace(&NUMBERS, "");
    let output = telrep_against(
        &env,
        temp.path(),
        &["report", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["reports"][0]["enterprise"],
        json!({"id": null, "legal_name": "Acme Corp"})
    );
    assert_eq!(report["reports"][0]["numbers"], json!([]));
    let output = telrep_against(&env, temp.path(), &["check", "acme.yaml"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(output.stdout, b"");
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with("error: `Acme Corp` monitors no number (the enterprise does not exist or Number Reputation is not enabled): nothing to check for `acme.yaml`; run `telrep apply` first"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // An account that cannot be read: an error, and nothing on stdout that looks like a report.
    for format in ["json", "text", "csv", "markdown"] {
        let output = crate::support::api::telrep_at(
            "http://127.0.0.1:9".to_owned(),
            temp.path(),
            &["report", "--format", format, "acme.yaml"],
        )
        .await;
        assert_eq!(output.status.code(), Some(1), "{format}");
        assert_eq!(output.stdout, b"", "{format}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            stderr.starts_with(
                "error: cannot read the account of `acme.yaml` at `127.0.0.1:9`; nothing was shown"
            ),
            "{stderr}"
        );
    }
}

#[test]
fn checked_in_report_schema_is_current() {
    let output = crate::support::telrep(&crate::support::root(), &["schema", "--report"]);
    let checked_in =
        std::fs::read_to_string(crate::support::root().join("schema/report.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        checked_in,
        "run `cargo run -- schema --report > schema/report.schema.json`"
    );
}

/// `POST …/numbers/refresh` calls the sandbox saw.
async fn refresh_calls(env: &Env) -> usize {
    env.requests()
        .await
        .iter()
        .filter(|(method, path, _, _)| method == "POST" && path.ends_with("/numbers/refresh"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_shows_the_bill_and_bills_nothing_without_approval() {
    let (env, temp, _) = refreshed().await;
    let before = env.billing().await["refreshes"].as_u64().unwrap();
    env.clear_requests().await;
    let output = telrep_against(&env, temp.path(), &["refresh", "--all", "acme.yaml"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Acme Corp: refresh 8 numbers in 1 call\nThis bills $0.80 (8 refreshes at the per_check price).\nerror: refresh bills $0.80, and was not approved; nothing was billed: pass --auto-approve when not on a terminal\n"
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "refresh",
            "--all",
            "--auto-approve",
            "--max-cost",
            "0.50",
            "acme.yaml",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .ends_with("error: the bill of $0.80 is above --max-cost $0.50; nothing was billed\n"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "refresh",
            "--number",
            "+12025559999",
            "--auto-approve",
            "acme.yaml",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "error: `+12025559999` is not a managed number any manifest's enterprise monitors; nothing was billed"
    ));
    assert_eq!(refresh_calls(&env).await, 0);
    assert_eq!(env.billing().await["refreshes"].as_u64().unwrap(), before);

    // --stale-after: the two numbers never refreshed, and only them.
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "refresh",
            "--stale-after",
            "1d",
            "--auto-approve",
            "acme.yaml",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "`+12025550107`: refreshed\n`+12025550108`: refreshed\nRefreshed 2 numbers; 0 failed; 0 may have been billed.\n"
    );
    assert_eq!(
        env.billing().await["refreshes"].as_u64().unwrap(),
        before + 2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_bills_exactly_the_numbers_in_batches_of_100() {
    let numbers: Vec<String> = (0..250)
        .map(|index| format!("+1202555{:04}", 2000 + index))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&refs)).await;
    let temp = workspace(&refs, "");
    converge(&env, temp.path(), "acme.yaml").await;
    let before = env.billing().await;
    env.clear_requests().await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "refresh",
            "--all",
            "--auto-approve",
            "--max-cost",
            "25",
            "acme.yaml",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("Acme Corp: refresh 250 numbers in 3 calls\nThis bills $25.00 (250 refreshes at the per_check price).\n"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.ends_with(": refreshed"))
            .count(),
        250
    );
    assert_eq!(
        stdout.lines().last(),
        Some("Refreshed 250 numbers; 0 failed; 0 may have been billed.")
    );
    assert_eq!(refresh_calls(&env).await, 3);
    let after = env.billing().await;
    assert_eq!(
        after["refreshes"].as_u64().unwrap() - before["refreshes"].as_u64().unwrap(),
        250
    );
    assert_eq!(after["numbers_added"], before["numbers_added"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_whose_answer_is_lost_is_reported_as_maybe_billed_and_not_resent() {
    // The account's real answers, recorded from the sandbox, then served by a script
    // whose refresh call fails with a 500 (the write may or may not have happened).
    let env = Env::start(config_with_inventory(&NUMBERS[..2])).await;
    let temp = workspace(&NUMBERS[..2], "");
    let id = converge(&env, temp.path(), "acme.yaml").await;
    let mut recorded = std::collections::HashMap::new();
    for path in [
        "/terms_of_service/status?product_type=number_reputation".to_owned(),
        "/enterprises".to_owned(),
        format!("/enterprises/{id}/reputation"),
        format!("/enterprises/{id}/reputation/numbers?page[size]=250"),
    ] {
        let (status, body) = env.call("GET", &path, None).await;
        assert_eq!(status, 200, "{path}");
        let bare = path.split('?').next().unwrap().to_owned();
        recorded.insert(format!("/v2{bare}"), body.to_string());
    }
    let server = crate::support::scripted::Scripted::start(move |path, _, _| {
        if path.ends_with("/numbers/refresh") {
            return (
                500,
                vec![],
                r#"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#.to_owned(),
            );
        }
        match recorded.get(path) {
            Some(body) => (200, vec![], body.clone()),
            None => (
                404,
                vec![],
                r#"{"errors":[{"code":"10005","title":"Not found"}]}"#.to_owned(),
            ),
        }
    })
    .await;
    let output = crate::support::api::telrep_at(
        server.base_url(),
        temp.path(),
        &["refresh", "--all", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        crate::support::render(&output)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, number) in lines.iter().zip(&NUMBERS[..2]) {
        assert!(
            line.starts_with(&format!(
                "`{number}`: may have been billed: the call's answer was lost or unreadable ("
            )),
            "{line}"
        );
        assert!(line.ends_with("); not resent"), "{line}");
    }
    assert_eq!(
        lines[2],
        "Refreshed 0 numbers; 0 failed; 2 may have been billed."
    );
    let sent = server
        .seen()
        .iter()
        .filter(|(path, _, _)| path.ends_with("/numbers/refresh"))
        .count();
    assert_eq!(sent, 1, "an ambiguous billed call is never resent");
}

/// `POST /_sandbox/reputation`: a number's data as a refresh would set it, not billed.
async fn set_data(env: &Env, number: &str, data: Value) -> (u16, Value) {
    let url = format!("http://{}/_sandbox/reputation", env.sandbox.address());
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(url)
        .json(&json!({"phone_number": number, "reputation_data": data}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_policy_rule_fires_on_data_set_through_the_control_endpoint() {
    let env = Env::start(config_with_inventory(&NUMBERS[..4])).await;
    let temp = workspace(&NUMBERS[..4], "");
    converge(&env, temp.path(), "acme.yaml").await;
    let billing = env.billing().await;
    let fresh = jiff::Timestamp::now().to_string();
    for (number, data) in [
        (
            NUMBERS[0],
            json!({"spam_risk": "high", "maturity_score": 90, "last_refreshed_at": fresh}),
        ),
        (
            NUMBERS[1],
            json!({"spam_risk": "low", "maturity_score": 10, "sentiment_score": null, "last_refreshed_at": fresh}),
        ),
        (
            NUMBERS[2],
            json!({"spam_risk": "low", "maturity_score": 90, "last_refreshed_at": "2026-01-01T00:00:00Z"}),
        ),
        (
            NUMBERS[3],
            json!({"spam_risk": "severe", "maturity_score": null}),
        ),
    ] {
        let (status, body) = set_data(&env, number, data).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = set_data(&env, "+12025550199", Value::Null).await;
    assert_eq!(status, 404);
    assert_eq!(env.billing().await, billing);
    let manifest = temp.path().join("acme.yaml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("policy:\n  max_spam_risk: medium\n  min_maturity_score: 40\n  min_sentiment_score: 50\n  max_data_age: 30d\n");
    std::fs::write(&manifest, text.clone()).unwrap();
    let line = |number: &str| text.lines().position(|line| line.contains(number)).unwrap() + 1;
    let output = telrep_against(&env, temp.path(), &["check", "acme.yaml"]).await;
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        crate::support::render(&output)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let age = stdout
        .lines()
        .find(|found| found.contains("max_data_age"))
        .and_then(|found| found.split(", ").nth(1))
        .and_then(|ago| ago.strip_suffix(" ago"))
        .unwrap()
        .to_owned();
    assert_eq!(
        stdout,
        format!(
            "acme.yaml:{}:7: `{}` breaks max_spam_risk: spam_risk `high` is above `medium`
acme.yaml:{}:7: `{}` breaks min_maturity_score: maturity_score 10 is below 40
acme.yaml:{}:7: `{}` breaks max_data_age: last refreshed at 2026-01-01T00:00:00Z, {age} ago, longer than 30d
check failed: 3 violations among 4 managed numbers
",
            line(NUMBERS[0]),
            NUMBERS[0],
            line(NUMBERS[1]),
            NUMBERS[1],
            line(NUMBERS[2]),
            NUMBERS[2],
        )
    );
    // The rating the API added sorts after low and breaks no rule.
    let output = telrep_against(
        &env,
        temp.path(),
        &["report", "--format", "json", "acme.yaml"],
    )
    .await;
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["reports"][0]["numbers"][3]["phone_number"],
        NUMBERS[3]
    );
    assert_eq!(report["reports"][0]["numbers"][3]["violations"], json!([]));
    assert_eq!(report["reports"][0]["summary"]["by_spam_risk"]["other"], 1);
}
