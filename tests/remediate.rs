//! `telrep remediate` against the sandbox: the bill and its guard (nothing billed without
//! approval, above `--max-cost` or for a number not managed), the requests and their
//! buckets with `--wait`, exact billing of the numbers submitted, a request that fails,
//! the timeout (exit 3), a conflict, and a request whose answer is lost (never resent).

use serde_json::{Value, json};
use telrep::sandbox::SandboxConfig;

use crate::support::api::{
    Env, config_with_inventory, converge, eventually, telrep_against, workspace,
};
use crate::support::child::Child;

const NUMBERS: [&str; 5] = [
    "+12025550201",
    "+12025550202",
    "+12025550203",
    "+12025550204",
    "+12025550205",
];

/// Ratings of the first four numbers: high, medium, low, and none; the fifth is unrated.
async fn rate(env: &Env) {
    let url = format!("http://{}/_sandbox/reputation", env.sandbox.address());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    for (number, risk) in NUMBERS.iter().zip(["high", "medium", "low"]) {
        let body = json!({"phone_number": number, "reputation_data": {"spam_risk": risk}});
        let response = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// A converged, rated account whose sandbox keeps its state in `state` and finishes a
/// remediation after `review_ms`.
async fn account(review_ms: i64) -> (Env, tempfile::TempDir, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let mut config = config_with_inventory(&NUMBERS);
    config.state_file = Some(state.path().join("sandbox.json"));
    let env = Env::start(config.clone()).await;
    let temp = workspace(&NUMBERS, "");
    converge(&env, temp.path(), "acme.yaml").await;
    rate(&env).await;
    drop(env);
    config.rules.approve_after_ms = review_ms;
    let env = Env::start(config).await;
    (env, temp, state)
}

fn remediations(billing: &Value) -> u64 {
    billing["remediations"].as_u64().unwrap()
}

/// `POST …/reputation/remediation` calls the sandbox saw, with their statuses.
async fn submissions(env: &Env) -> Vec<u16> {
    env.requests()
        .await
        .iter()
        .filter(|(method, path, _, _)| method == "POST" && path.ends_with("/remediation"))
        .map(|(_, _, _, status)| *status)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn remediate_shows_the_bill_and_bills_nothing_without_approval() {
    let (env, temp, _state) = account(0).await;
    let run = async |extra: &[&str]| {
        let mut args = vec![
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
        ];
        args.extend_from_slice(extra);
        telrep_against(&env, temp.path(), &args).await
    };
    let output = run(&["--spam-risk", "medium"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Acme Corp: remediate 2 numbers in 1 request\nThis bills up to $2.00 (2 numbers at the per_remediation price; numbers Telnyx finds ineligible are not billed).\nerror: remediation bills up to $2.00, and was not approved; nothing was billed: pass --auto-approve when not on a terminal\n"
    );
    let output = run(&[
        "--spam-risk",
        "high",
        "--auto-approve",
        "--max-cost",
        "0.99",
    ])
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .ends_with("error: the bill of $1.00 is above --max-cost $0.99; nothing was billed\n"),
        "{}",
        crate::support::render(&output)
    );
    let output = run(&["--spam-risk", "high", "--auto-approve", "--max-cost", "NaN"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with(
            "error: invalid value 'NaN' for '--max-cost <USD>': `NaN` is not an amount of USD"
        ),
        "{}",
        crate::support::render(&output)
    );
    let output = run(&["--number", "+12025559999", "--auto-approve"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "error: `+12025559999` is not a managed number any manifest's enterprise monitors; nothing was billed"
    ));
    let output = run(&["--spam-risk", "severe"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .starts_with("error: invalid value 'severe' for '--spam-risk <RISK>'\n  [possible values: high, medium]"),
        "{}",
        crate::support::render(&output)
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--spam-risk",
            "high",
            "--call-purpose",
            " ",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "the call purpose must be 1 to 2,000 characters (got 1): say what the numbers' calls are for"
        ),
        "{}",
        crate::support::render(&output)
    );
    // A price table's per_remediation is the price shown.
    std::fs::write(
        temp.path().join("prices.yaml"),
        "monitoring_per_month: 100\nper_check: 0.1\nper_remediation: 2.5\n",
    )
    .unwrap();
    let output = run(&["--spam-risk", "medium", "--prices", "prices.yaml"]).await;
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("This bills up to $5.00 (2 numbers"),
        "{}",
        crate::support::render(&output)
    );
    assert_eq!(submissions(&env).await, Vec::<u16>::new());
    assert_eq!(remediations(&env.billing().await), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn remediate_wait_ends_with_the_buckets_and_bills_exactly_the_numbers_submitted() {
    let (env, temp, _state) = account(0).await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
            "--spam-risk",
            "medium",
            "--contact-email",
            "ops@example.com",
            "--auto-approve",
            "--wait",
        ],
    )
    .await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 0
    ----- stdout -----
    Acme Corp: request `[UUID]` accepted: 2 numbers (2 submitted, 0 ineligible), status `pending`
    `+12025550201`: remediated
    `+12025550202`: requires_review
    Acme Corp: request `[UUID]` completed: 1 remediated, 1 requires_review, 0 not_flagged, 0 ineligible, 0 refused.
    ----- stderr -----
    Acme Corp: remediate 2 numbers in 1 request
    This bills up to $2.00 (2 numbers at the per_remediation price; numbers Telnyx finds ineligible are not billed).
    ");
    assert_eq!(remediations(&env.billing().await), 2);
    // A low-risk number and one with no data: one submitted (billed), one ineligible.
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
            "--number",
            NUMBERS[2],
            "--number",
            NUMBERS[3],
            "--auto-approve",
            "--wait",
        ],
    )
    .await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 0
    ----- stdout -----
    Acme Corp: request `[UUID]` accepted: 2 numbers (1 submitted, 1 ineligible), status `pending`
    `+12025550203`: not_flagged
    `+12025550204`: ineligible
    Acme Corp: request `[UUID]` completed: 0 remediated, 0 requires_review, 1 not_flagged, 1 ineligible, 0 refused.
    ----- stderr -----
    Acme Corp: remediate 2 numbers in 1 request
    This bills up to $2.00 (2 numbers at the per_remediation price; numbers Telnyx finds ineligible are not billed).
    ");
    assert_eq!(remediations(&env.billing().await), 3);
    assert_eq!(submissions(&env).await, [202, 202]);
    // Without --wait: accepted is done (exit 0), the request goes on without telrep.
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
            "--spam-risk",
            "high",
            "--auto-approve",
        ],
    )
    .await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 0
    ----- stdout -----
    Acme Corp: request `[UUID]` accepted: 1 number (1 submitted, 0 ineligible), status `pending`
    ----- stderr -----
    Acme Corp: remediate 1 number in 1 request
    This bills up to $1.00 (1 number at the per_remediation price; numbers Telnyx finds ineligible are not billed).
    ");
    assert_eq!(remediations(&env.billing().await), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_under_way_times_out_with_3_and_its_numbers_are_refused_meanwhile() {
    let (env, temp, _state) = account(3_600_000).await;
    let args = [
        "remediate",
        "acme.yaml",
        "--call-purpose",
        "appointment reminders",
        "--spam-risk",
        "high",
        "--auto-approve",
    ];
    let mut waiting = args.to_vec();
    waiting.extend(["--wait", "--timeout", "0"]);
    let output = telrep_against(&env, temp.path(), &waiting).await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 3
    ----- stdout -----
    Acme Corp: request `[UUID]` accepted: 1 number (1 submitted, 0 ineligible), status `pending`
    ----- stderr -----
    Acme Corp: remediate 1 number in 1 request
    This bills up to $1.00 (1 number at the per_remediation price; numbers Telnyx finds ineligible are not billed).
    timed out after 0s: `[UUID]` is `pending`; run `telrep remediate` again later only for numbers not in these requests (a number in a request under way is refused)
    ");
    // The same number again while its request is under way: refused (409), not billed.
    let output = telrep_against(&env, temp.path(), &args).await;
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("Acme Corp: a request of 1 number was refused: POST /enterprises/")
            && stdout.contains(": 409 Remediation already in progress [10015]: `+12025550201` is in a remediation request that has not finished"),
        "{stdout}"
    );
    assert_eq!(submissions(&env).await, [202, 409]);
    assert_eq!(remediations(&env.billing().await), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_fails_while_telrep_waits_exits_1() {
    let (env, temp, _state) = account(3_600_000).await;
    let child = Child::spawn(
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
            "--spam-risk",
            "high",
            "--auto-approve",
            "--wait",
            "--api-url",
            &env.base(),
        ],
    );
    // Once the request is accepted, the control endpoint fails it.
    eventually(30, || async { submissions(&env).await == [202] }).await;
    let id = env.enterprises().await.remove(0);
    let (status, list) = env
        .call(
            "GET",
            &format!("/enterprises/{id}/reputation/remediation"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let request = list["data"][0]["id"].as_str().unwrap().to_owned();
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!(
            "http://{}/_sandbox/remediation",
            env.sandbox.address()
        ))
        .json(&json!({"id": request, "status": "failed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let output = child.wait().await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        crate::support::render(&output)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().last(),
        Some(format!("Acme Corp: request `{request}` ended `failed` without results").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_whose_answer_is_lost_may_have_been_billed_and_is_not_resent() {
    let state = tempfile::tempdir().unwrap();
    let mut config: SandboxConfig = config_with_inventory(&NUMBERS);
    config.state_file = Some(state.path().join("sandbox.json"));
    let env = Env::start(config.clone()).await;
    let temp = workspace(&NUMBERS, "");
    converge(&env, temp.path(), "acme.yaml").await;
    rate(&env).await;
    drop(env);
    config.faults.fail_routes = vec![
        telrep::sandbox::parse_fail_route("POST /enterprises/*/reputation/remediation").unwrap(),
    ];
    let env = Env::start(config).await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "remediate",
            "acme.yaml",
            "--call-purpose",
            "appointment reminders",
            "--spam-risk",
            "medium",
            "--auto-approve",
            "--wait",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        crate::support::render(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(
            "Acme Corp: a request of 2 numbers may have been billed: its answer was lost or unreadable (POST /enterprises/"
        ) && stdout.ends_with(
            "(the write may or may not have taken effect)); not resent, see `GET …/reputation/remediation` before running again\n"
        ),
        "{stdout}"
    );
    assert_eq!(submissions(&env).await, [500], "never resent");
}
