//! `telrep plan` against an in-process sandbox: exact text, JSON and Markdown, exit codes,
//! the calls observation makes, and that planning never bills.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::support::api::{
    Env, config_with_inventory, converge, telrep_against as telrep, workspace,
};
use crate::support::{check_sarif, fixtures, render, root};

const NUMBERS: [&str; 3] = ["+12025550101", "+12025550102", "+12025550103"];

/// Every request served, one a line, sorted: reads that do not depend on each other go out
/// at once and arrive in either order.
async fn requests(env: &Env) -> String {
    let mut lines: Vec<String> = env
        .requests()
        .await
        .into_iter()
        .map(|(method, path, query, status)| format!("{method} {path}?{query} {status}\n"))
        .collect();
    lines.sort();
    lines.concat()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_time_plan_in_every_format() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    crate::snapshot!(render(&output), @"
    exit: 0
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    + accept_terms  POST /terms_of_service/number_reputation/agree
        the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are
    + create_enterprise  POST /enterprises
        no enterprise has legal_name `Acme Corp`
    + upload_loa  POST /documents
        upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes
    + enable_reputation  POST /enterprises/{enterprise_id}/reputation  [billable]
        Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `business_daily`
    = wait_for_vetting  GET /enterprises/{enterprise_id}/reputation
        enable starts vetting; numbers can be added once `status` and `loa_status` are both approved
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 1 of 1: 3 numbers not monitored yet
          +12025550101, +12025550102, +12025550103

    Cost
      apply bills $100.30:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        3 numbers added, one check each (estimate): $0.30
      monthly (monitoring and auto-refresh): $0.00 → $106.53
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 4 to create, 3 numbers to add, 0 to remove, 0 to change.
    ----- stderr -----
    ");
    let detailed = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    assert_eq!(detailed.status.code(), Some(2));

    let json_output = telrep(
        &env,
        workspace.path(),
        &["plan", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(json_output.status.code(), Some(0));
    let plan: Value = serde_json::from_slice(&json_output.stdout).unwrap();
    check_plan_schema(&plan);
    insta::assert_json_snapshot!(plan, @r#"
    {
      "changes": true,
      "cost": {
        "apply_charges": [
          {
            "amount": 100.0,
            "what": "enable Number Reputation (monthly monitoring, charged at enable)"
          },
          {
            "amount": 0.3,
            "what": "3 numbers added, one check each (estimate)"
          }
        ],
        "apply_total": 100.3,
        "monthly_after": 106.53,
        "monthly_before": 0.0
      },
      "diagnostics": [],
      "enterprise": {
        "id": null,
        "legal_name": "Acme Corp"
      },
      "errors": [],
      "fingerprint": "sha256:cfb5d2691f67e13c73a941896d526173530317a4f6663b8e01a295f8262bf7b5",
      "format_version": 1,
      "manifest": "acme.yaml",
      "steps": [
        {
          "action": "accept_terms",
          "billable": false,
          "method": "POST",
          "path": "/terms_of_service/number_reputation/agree",
          "reason": "the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are"
        },
        {
          "action": "create_enterprise",
          "billable": false,
          "method": "POST",
          "path": "/enterprises",
          "reason": "no enterprise has legal_name `Acme Corp`"
        },
        {
          "action": "upload_loa",
          "billable": false,
          "method": "POST",
          "path": "/documents",
          "reason": "upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes"
        },
        {
          "action": "enable_reputation",
          "billable": true,
          "method": "POST",
          "path": "/enterprises/{enterprise_id}/reputation",
          "reason": "Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `business_daily`"
        },
        {
          "action": "wait_for_vetting",
          "billable": false,
          "method": "GET",
          "path": "/enterprises/{enterprise_id}/reputation",
          "reason": "enable starts vetting; numbers can be added once `status` and `loa_status` are both approved"
        },
        {
          "action": "add_numbers",
          "billable": true,
          "method": "POST",
          "path": "/enterprises/{enterprise_id}/reputation/numbers",
          "phone_numbers": [
            "+12025550101",
            "+12025550102",
            "+12025550103"
          ],
          "reason": "batch 1 of 1: 3 numbers not monitored yet"
        }
      ],
      "summary": {
        "add_numbers": 3,
        "apply_total": 100.3,
        "billable": true,
        "create": 4,
        "has_disable": false,
        "monthly_after": 106.53,
        "monthly_before": 0.0,
        "remove_numbers": 0,
        "update": 0
      },
      "unmanaged": [],
      "warnings": []
    }
    "#);

    let markdown = telrep(
        &env,
        workspace.path(),
        &["plan", "--format", "markdown", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&markdown), @"
    exit: 0
    ----- stdout -----
    <!-- telrep plan: acme.yaml -->
    ### telrep plan: Acme Corp (`acme.yaml`)

    **Plan: 4 to create, 3 numbers to add, 0 to remove, 0 to change.**

    | cost | amount |
    |---|---|
    | billed by apply | $100.30 |
    | monthly before | $0.00 |
    | monthly after | $106.53 |

    _prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours_

    <details><summary>6 steps</summary>

    - `+` **accept_terms** `POST /terms_of_service/number_reputation/agree`: the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are
    - `+` **create_enterprise** `POST /enterprises`: no enterprise has legal_name `Acme Corp`
    - `+` **upload_loa** `POST /documents`: upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes
    - `+` **enable_reputation** `POST /enterprises/{enterprise_id}/reputation` (billable): Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `business_daily`
    - `=` **wait_for_vetting** `GET /enterprises/{enterprise_id}/reputation`: enable starts vetting; numbers can be added once `status` and `loa_status` are both approved
    - `+` **add_numbers** `POST /enterprises/{enterprise_id}/reputation/numbers` (billable): batch 1 of 1: 3 numbers not monitored yet
      - +12025550101, +12025550102, +12025550103

    </details>

    ----- stderr -----
    ");
    assert_eq!(
        env.billing().await,
        json!({"enable": 0, "numbers_added": 0, "fresh_lookups": 0, "first_lookups": 0, "refreshes": 0, "remediations": 0})
    );
}

/// Every plan JSON a test reads is checked against the checked-in schema.
pub(crate) fn check_plan_schema(plan: &Value) {
    crate::support::check_schema("plan.schema.json", plan);
}

#[test]
fn checked_in_plan_schema_is_current() {
    let output = crate::support::telrep(&root(), &["schema", "--plan"]);
    let checked_in = std::fs::read_to_string(root().join("schema/plan.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        checked_in,
        "run `cargo run -- schema --plan > schema/plan.schema.json`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn converged_account_reads_only_free_endpoints() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    converge(&env, workspace.path(), "acme.yaml").await;
    let billing_before = env.billing().await;
    env.clear_requests().await;
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 0
    ----- stdout -----
    Enterprise Acme Corp (id [UUID]), manifest acme.yaml

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $106.53, unchanged
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    No changes. The account matches the manifest.
    ----- stderr -----
    ");
    crate::snapshot!(requests(&env).await, @"
    GET /v2/documents/[UUID]? 200
    GET /v2/enterprises/[UUID]/reputation/numbers?page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/enterprises/[UUID]/reputation? 200
    GET /v2/enterprises?legal_name=Acme+Corp&page%5Bnumber%5D=1&page%5Bsize%5D=250 200
    GET /v2/terms_of_service/status?product_type=number_reputation 200
    ");
    assert_eq!(
        env.billing().await,
        billing_before,
        "planning bills nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_rails_and_unmanaged_numbers() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    // The manifest keeps one number and prunes; live has three: two removals, under the rail.
    let all = workspace(&NUMBERS, "");
    converge(&env, all.path(), "acme.yaml").await;
    let pruning = workspace(&NUMBERS[..1], "  prune: true\n");
    let output = telrep(
        &env,
        pruning.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 2
    ----- stdout -----
    Enterprise Acme Corp (id [UUID]), manifest acme.yaml

    - remove_number  DELETE /enterprises/[UUID]/reputation/numbers/%2B12025550102
        monitored live but not in the manifest (`prune: true`)
          +12025550102
    - remove_number  DELETE /enterprises/[UUID]/reputation/numbers/%2B12025550103
        monitored live but not in the manifest (`prune: true`)
          +12025550103

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $106.53 → $102.18
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 0 to create, 0 numbers to add, 2 to remove, 0 to change.
    ----- stderr -----
    ");
    // Without prune, they are unmanaged; and the frequency differs.
    let keeping = workspace(&NUMBERS[..1], "  check_frequency: weekly\n");
    let output = telrep(
        &env,
        keeping.path(),
        &["plan", "--format", "json", "acme.yaml"],
    )
    .await;
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_plan_schema(&plan);
    assert_eq!(plan["unmanaged"], json!(["+12025550102", "+12025550103"]));
    assert_eq!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["action"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["update_frequency"]
    );
    // Pruning to no numbers is refused without --allow-mass-removal.
    let empty = workspace(&[], "  prune: true\n");
    let refused = telrep(
        &env,
        empty.path(),
        &["plan", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    let plan: Value = serde_json::from_slice(&refused.stdout).unwrap();
    check_plan_schema(&plan);
    assert_eq!(plan["steps"], json!([]));
    assert_eq!(
        plan["errors"],
        json!([
            "`prune: true` with no numbers would remove all 3 monitored numbers; pass --allow-mass-removal to accept"
        ])
    );
    let allowed = telrep(
        &env,
        empty.path(),
        &["plan", "--allow-mass-removal", "acme.yaml"],
    )
    .await;
    assert_eq!(allowed.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_that_cannot_be_added() {
    let mut config = config_with_inventory(&NUMBERS[..1]);
    config
        .inventory
        .push(("+12025550102".to_owned(), "mobile".to_owned()));
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    The plan cannot be made:
      - `+12025550102` (acme.yaml:43:7) cannot be added: in the inventory but not an active US local or toll-free number: `phone_number_type` is `mobile`
      - `+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest
        help: if it is hosted with another carrier, declare the ownership proof under `reputation.external_verification` (`files: [PDF, ...]` or `document_ids: [ID, ...]`): numbers hosted elsewhere are added once Telnyx approves it

    Plan failed: 2 errors.
    ----- stderr -----
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_manifest_makes_no_request() {
    let env = Env::start(config_with_inventory(&[])).await;
    let output = telrep(&env, &fixtures(), &["plan", "version.yaml"]).await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    version.yaml:2:10: error: unsupported manifest version `2`; this telrep reads version 1
      |
    2 | version: 2
      |          ^
    help: write `version: 1`

    error: invalid manifests; no request was made
    ");
    assert_eq!(env.requests().await, []);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_of_manifests_and_a_saved_plan() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS[..1], "");
    let second = std::fs::read_to_string(workspace.path().join("acme.yaml"))
        .unwrap()
        .replace("legal_name: Acme Corp", "legal_name: Acme West");
    std::fs::create_dir_all(workspace.path().join("west")).unwrap();
    std::fs::create_dir_all(workspace.path().join("west/loa")).unwrap();
    std::fs::copy(
        workspace.path().join("loa/signed.pdf"),
        workspace.path().join("west/loa/signed.pdf"),
    )
    .unwrap();
    std::fs::write(
        workspace.path().join("west/acme-west.yaml"),
        second.replace("+12025550101", "+12025550102"),
    )
    .unwrap();
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "--out", "saved.json", "."],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.lines().last(),
        Some(
            "Total: 2 manifests planned, 2 with changes, 0 failed; 8 to create, 2 numbers to add, 0 to remove, 0 to change."
        )
    );
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.path().join("saved.json")).unwrap(),
    )
    .unwrap();
    let manifests: Vec<&str> = saved["saved_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["manifest"].as_str().unwrap())
        .collect();
    assert_eq!(manifests, ["./acme.yaml", "./west/acme-west.yaml"]);
    for entry in saved["saved_plans"].as_array().unwrap() {
        assert!(
            entry["manifest_digest"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(entry["fingerprint"], entry["plan"]["fingerprint"]);
    }
    let text = serde_json::to_string(&saved).unwrap();
    assert!(
        !text.contains("test-key-not-secret"),
        "a saved plan holds no secret"
    );
}

#[test]
fn sandbox_flag_plans_the_examples() {
    let temp = tempfile::tempdir().unwrap();
    for entry in ["acme.yaml", "numbers/acme.txt", "loa/acme-signed.pdf"] {
        let target: PathBuf = temp.path().join(entry);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root().join("examples").join(entry), &target).unwrap();
    }
    let output = crate::support::telrep(
        temp.path(),
        &["plan", "--sandbox", "--detailed-exitcode", "acme.yaml"],
    );
    crate::snapshot!(render(&output), @"
    exit: 2
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    + accept_terms  POST /terms_of_service/number_reputation/agree
        the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are
    + create_enterprise  POST /enterprises
        no enterprise has legal_name `Acme Corp`
    + upload_loa  POST /documents
        upload `loa/acme-signed.pdf` (sha256 6ec26c386953…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes
    + enable_reputation  POST /enterprises/{enterprise_id}/reputation  [billable]
        Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `daily`
    = wait_for_vetting  GET /enterprises/{enterprise_id}/reputation
        enable starts vetting; numbers can be added once `status` and `loa_status` are both approved
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 1 of 4: 100 numbers not monitored yet
          +12025551234, +13125550100, +12027260791, … 95 more …, +14157515995, +14152587514
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 2 of 4: 100 numbers not monitored yet
          +14159065431, +14156811848, +16175114351, … 95 more …, +15129731786, +15125228558
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 3 of 4: 100 numbers not monitored yet
          +15123719035, +15122023810, +14042424125, … 95 more …, +17029200057, +17029737320
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 4 of 4: 2 numbers not monitored yet
          +17029276559, +17023125874

    Cost
      apply bills $130.20:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        302 numbers added, one check each (estimate): $30.20
      monthly (monitoring and auto-refresh): $0.00 → $1,018.58
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 4 to create, 302 numbers to add, 0 to remove, 0 to change.
    ----- stderr -----
    telrep: using a local sandbox at http://127.0.0.1:[PORT]/v2 (state in .telrep/sandbox.json); nothing is sent to Telnyx
    ");
    assert!(temp.path().join(".telrep/sandbox.json").exists());
}

/// A converged fleet of 100,000 numbers: exactly the fixed reads and ceil(100000/250) list
/// calls, and no changes.
#[tokio::test(flavor = "multi_thread")]
async fn a_converged_fleet_of_100000_numbers() {
    let temp = tempfile::tempdir().unwrap();
    let (manifest, state) = crate::support::fleet::converged_fleet(temp.path(), 100_000);
    let mut config = telrep::sandbox::SandboxConfig::local();
    config.state_file = Some(state);
    let env = Env::start(config).await;
    let output = telrep(
        &env,
        temp.path(),
        &[
            "plan",
            "--detailed-exitcode",
            manifest.file_name().unwrap().to_str().unwrap(),
        ],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 0
    ----- stdout -----
    Enterprise Acme Corp (id [UUID]), manifest fleet.yaml

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $217,600.00, unchanged
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    No changes. The account matches the manifest.
    ----- stderr -----
    ");
    let mut calls: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (method, path, _, status) in env.requests().await {
        *calls
            .entry(format!("{method} {path} {status}"))
            .or_default() += 1;
    }
    let calls: Vec<String> = calls
        .into_iter()
        .map(|(call, count)| format!("{count} × {call}"))
        .collect();
    crate::snapshot!(calls.join("\n"), @"
    1 × GET /v2/enterprises 200
    1 × GET /v2/enterprises/[UUID]/reputation 200
    400 × GET /v2/enterprises/[UUID]/reputation/numbers 200
    1 × GET /v2/terms_of_service/status 200
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn prices_come_from_a_file() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    std::fs::write(
        workspace.path().join("prices.yaml"),
        "monitoring_per_month: 150\nper_check: 0.25\n",
    )
    .unwrap();
    let output = telrep(
        &env,
        workspace.path(),
        &[
            "plan",
            "--format",
            "json",
            "--prices",
            "prices.yaml",
            "acme.yaml",
        ],
    )
    .await;
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        plan["cost"],
        json!({
            "apply_charges": [
                {"what": "enable Number Reputation (monthly monitoring, charged at enable)", "amount": 150.0},
                {"what": "3 numbers added, one check each (estimate)", "amount": 0.75},
            ],
            "apply_total": 150.75,
            "monthly_before": 0.0,
            "monthly_after": 166.31,
        })
    );
    std::fs::write(workspace.path().join("bad.yaml"), "monthly: 1\n").unwrap();
    let bad = telrep(
        &env,
        workspace.path(),
        &["plan", "--prices", "bad.yaml", "acme.yaml"],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: `bad.yaml` is not a price table (`monitoring_per_month`, `per_check`, optional `per_remediation`)\ncaused by: error: line 1 column 1: unknown field `monthly`"
        ),
        "{stderr}"
    );
    // The first plan's reads: status, enterprises, and one inventory filter per number; the
    // second made none.
    assert_eq!(env.requests().await.len(), 5);
}

/// `telrep ARGS` with a key set, talking to whatever `--api-url` the args name.
fn telrep_with_key(directory: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args(args)
        .current_dir(directory)
        .env("TELNYX_API_KEY", "test-key-not-secret")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn issue_8_an_unreadable_account_is_never_shown_as_a_plan() {
    let workspace = workspace(&NUMBERS, "");
    let unreachable = ["--api-url", "http://127.0.0.1:1/v2", "acme.yaml"];
    let run = |format: &str| {
        let mut args = vec!["plan", "--format", format];
        args.extend(unreachable);
        render(&telrep_with_key(workspace.path(), &args))
    };
    insta::assert_snapshot!(run("text"), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp, manifest acme.yaml

    The plan cannot be made:
      - cannot read the account at `127.0.0.1:1`: GET /terms_of_service/status: could not connect: client error (Connect): tcp connect error: Connection refused (os error 111)
        help: nothing was planned; check the network, the key, and `--api-url` or `TELNYX_BASE_URL`, then plan again

    Plan failed: 1 error.
    ----- stderr -----
    ");
    insta::assert_snapshot!(run("json"), @r#"
    exit: 1
    ----- stdout -----
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": null,
        "legal_name": "Acme Corp"
      },
      "changes": false,
      "steps": [],
      "unmanaged": [],
      "errors": [
        "cannot read the account at `127.0.0.1:1`: GET /terms_of_service/status: could not connect: client error (Connect): tcp connect error: Connection refused (os error 111)"
      ],
      "summary": null,
      "diagnostics": [
        {
          "rule": "account_unreadable",
          "severity": "error",
          "message": "cannot read the account at `127.0.0.1:1`: GET /terms_of_service/status: could not connect: client error (Connect): tcp connect error: Connection refused (os error 111)",
          "file": "acme.yaml",
          "line": null,
          "column": null,
          "help": "nothing was planned; check the network, the key, and `--api-url` or `TELNYX_BASE_URL`, then plan again"
        }
      ],
      "warnings": [],
      "cost": null,
      "fingerprint": null
    }
    ----- stderr -----
    "#);
    insta::assert_snapshot!(run("markdown"), @"
    exit: 1
    ----- stdout -----
    <!-- telrep plan: acme.yaml -->
    ### telrep plan: Acme Corp (`acme.yaml`)

    **Plan failed: 1 error.**

    - :x: cannot read the account at `127.0.0.1:1`: GET /terms_of_service/status: could not connect: client error (Connect): tcp connect error: Connection refused (os error 111)
      - help: nothing was planned; check the network, the key, and `--api-url` or `TELNYX_BASE_URL`, then plan again

    ----- stderr -----
    ");
}

/// A manifest whose LOA is pinned by `document_id` instead of a file.
fn pinned_workspace(document_id: &str) -> tempfile::TempDir {
    let workspace = workspace(&NUMBERS, "");
    let path = workspace.path().join("acme.yaml");
    let manifest = std::fs::read_to_string(&path).unwrap().replace(
        "file: loa/signed.pdf",
        &format!("document_id: {document_id}"),
    );
    std::fs::write(&path, manifest).unwrap();
    workspace
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_8_a_missing_pinned_document_is_a_plan_error_and_apply_writes_nothing() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let missing = crate::support::snapshot::UNKNOWN_ID;
    let workspace = pinned_workspace(missing);
    let output = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    The plan cannot be made:
      - `loa.document_id` `0e6a1c52-3b7d-4f8e-9a21-5c4d3b2a1f00` is not a document of this account (`GET /documents/0e6a1c52-3b7d-4f8e-9a21-5c4d3b2a1f00` answered 404)
        help: upload the signed LOA and pin the id it gets, or set `loa.file` to the PDF so telrep uploads it (unlinked documents expire after 30 minutes)

    Plan failed: 1 error.
    ----- stderr -----
    ");
    let documents: Vec<String> = env
        .requests()
        .await
        .into_iter()
        .filter(|(_, path, _, _)| path.starts_with("/v2/documents"))
        .map(|(method, path, _, status)| format!("{method} {path} {status}"))
        .collect();
    assert_eq!(documents, [format!("GET /v2/documents/{missing} 404")]);
    env.clear_requests().await;
    let applied = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(applied.status.code(), Some(1));
    let writes: Vec<String> = env
        .requests()
        .await
        .into_iter()
        .filter(|(method, _, _, _)| method != "GET")
        .map(|(method, path, _, _)| format!("{method} {path}"))
        .collect();
    assert_eq!(writes, Vec::<String>::new());

    // An existing pinned document is read once on a first plan, and not at all once
    // converged.
    let existing = env.upload_loa().await;
    let workspace = pinned_workspace(&existing);
    env.clear_requests().await;
    let first = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    assert_eq!(first.status.code(), Some(0), "{}", render(&first));
    let reads = |requests: Vec<(String, String, String, u16)>| -> usize {
        requests
            .iter()
            .filter(|(_, path, _, _)| path.starts_with("/v2/documents"))
            .count()
    };
    assert_eq!(reads(env.requests().await), 1);
    converge(&env, workspace.path(), "acme.yaml").await;
    env.clear_requests().await;
    let converged = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    assert_eq!(converged.status.code(), Some(0), "{}", render(&converged));
    assert_eq!(reads(env.requests().await), 0);
}

#[test]
fn issue_8_json_and_markdown_print_a_document_for_an_invalid_manifest() {
    let json = crate::support::telrep(
        &fixtures(),
        &["plan", "--format", "json", "version.yaml", "bad_loa.yaml"],
    );
    assert_eq!(json.status.code(), Some(1));
    let plans: Value = serde_json::from_slice(&json.stdout).unwrap();
    for plan in plans["plans"].as_array().unwrap() {
        check_plan_schema(plan);
    }
    insta::assert_json_snapshot!(plans, @r#"
    {
      "format_version": 1,
      "plans": [
        {
          "changes": false,
          "cost": null,
          "diagnostics": [
            {
              "column": 10,
              "file": "version.yaml",
              "help": "write `version: 1`",
              "line": 2,
              "message": "unsupported manifest version `2`; this telrep reads version 1",
              "rule": "unsupported_version",
              "severity": "error"
            }
          ],
          "enterprise": {
            "id": null,
            "legal_name": null
          },
          "errors": [
            "unsupported manifest version `2`; this telrep reads version 1"
          ],
          "fingerprint": null,
          "format_version": 1,
          "manifest": "version.yaml",
          "steps": [],
          "summary": null,
          "unmanaged": [],
          "warnings": []
        },
        {
          "changes": false,
          "cost": null,
          "diagnostics": [
            {
              "column": 11,
              "file": "bad_loa.yaml",
              "help": "keep exactly one of them",
              "line": 41,
              "message": "`reputation.loa` has both `document_id` and `file`",
              "rule": "conflicting_fields",
              "severity": "error"
            }
          ],
          "enterprise": {
            "id": null,
            "legal_name": null
          },
          "errors": [
            "`reputation.loa` has both `document_id` and `file`"
          ],
          "fingerprint": null,
          "format_version": 1,
          "manifest": "bad_loa.yaml",
          "steps": [],
          "summary": null,
          "unmanaged": [],
          "warnings": []
        }
      ]
    }
    "#);
    let markdown = crate::support::telrep(
        &fixtures(),
        &["plan", "--format", "markdown", "version.yaml"],
    );
    assert_eq!(markdown.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&markdown.stdout), @"
    <!-- telrep plan: version.yaml -->
    ### telrep plan: `version.yaml`

    **Plan failed: 1 error.**

    - :x: unsupported manifest version `2`; this telrep reads version 1 (`version.yaml:2:10`)
      - help: write `version: 1`
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_8_a_renamed_legal_name_or_a_wrong_pin_is_one_error() {
    let numbers: Vec<String> = (0..35)
        .map(|index| format!("+120255502{index:02}"))
        .collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&numbers)).await;
    let workspace = workspace(&numbers, "");
    converge(&env, workspace.path(), "acme.yaml").await;
    let path = workspace.path().join("acme.yaml");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        original.replace("legal_name: Acme Corp", "legal_name: Acme Corporation"),
    )
    .unwrap();
    let renamed = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    crate::snapshot!(render(&renamed), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corporation (not created yet), manifest acme.yaml

    The plan cannot be made:
      - 35 of the manifest's numbers (+12025550200, +12025550201, +12025550202, … 30 more …, +12025550233, +12025550234) are already monitored by enterprise `Acme Corp` (`[UUID]`), and no enterprise has legal_name `Acme Corporation`
        help: an enterprise with a similar legal name exists: `Acme Corp` (`[UUID]`); if it is this manifest's enterprise, pin it with `id: [UUID]` under `enterprise` (a changed legal_name is then planned as an update)

    Plan failed: 1 error.
    ----- stderr -----
    ");
    std::fs::write(
        &path,
        original.replace(
            "  legal_name: Acme Corp\n",
            &format!(
                "  id: {}\n  legal_name: Acme Corp\n",
                crate::support::snapshot::UNKNOWN_ID
            ),
        ),
    )
    .unwrap();
    let pinned = telrep(&env, workspace.path(), &["plan", "acme.yaml"]).await;
    crate::snapshot!(render(&pinned), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    The plan cannot be made:
      - the manifest pins enterprise `id` `0e6a1c52-3b7d-4f8e-9a21-5c4d3b2a1f00`, which this account does not have: remove `id` to create `Acme Corp`, or fix the id
        help: an enterprise with legal_name `Acme Corp` exists: `Acme Corp` (`[UUID]`); pin its id, or remove `id` to match by legal_name

    Plan failed: 1 error.
    ----- stderr -----
    ");
}

#[test]
fn issue_8_concurrency_zero_is_an_error() {
    let output = crate::support::telrep(
        &fixtures(),
        &["plan", "--concurrency", "0", "valid_minimal.yaml"],
    );
    insta::assert_snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: invalid value '0' for '--concurrency <N>': must be at least 1 (the number of requests in flight at once)

    For more information, try '--help'.
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_two_manifests_for_one_enterprise_are_an_error() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let manifest = std::fs::read_to_string(workspace.path().join("acme.yaml")).unwrap();
    std::fs::write(
        workspace.path().join("copy.yaml"),
        manifest.replace("+12025550101", "+12025550199"),
    )
    .unwrap();
    let validated = crate::support::run(workspace.path(), &["validate", "."]);
    insta::assert_snapshot!(validated, @"
    exit: 1
    ----- stdout -----
    ./acme.yaml: valid (Acme Corp, 3 numbers)
    ----- stderr -----
    ./copy.yaml:4:3: error: `./copy.yaml` declares the enterprise with legal_name `Acme Corp`, as `./acme.yaml` does: two manifests for one enterprise would undo each other's changes
      |
    4 |   legal_name: Acme Corp
      |   ^^^^^^^^^^
    help: keep one manifest per enterprise: move this one's numbers into the other (or a numbers file it lists), or pass only one of them

    found 1 problem in 1 of 2 manifests
    ");
    for command in ["plan", "apply"] {
        let args: &[&str] = if command == "plan" {
            &["plan", "."]
        } else {
            &["apply", "--auto-approve", "."]
        };
        let output = telrep(&env, workspace.path(), args).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{command}: {}",
            render(&output)
        );
    }
    assert_eq!(env.requests().await.len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_a_plan_that_cannot_be_made_is_not_saved() {
    let env = Env::start(config_with_inventory(&[])).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: not saving `plan.json`: 1 plan cannot be made; fix the errors below and plan again\n"
    );
    assert!(!workspace.path().join("plan.json").exists());
}

#[test]
fn issue_8_json_and_markdown_print_a_document_without_a_key() {
    let workspace = workspace(&NUMBERS, "");
    let markdown = crate::support::telrep(
        workspace.path(),
        &["plan", "--format", "markdown", "acme.yaml"],
    );
    insta::assert_snapshot!(render(&markdown), @"
    exit: 1
    ----- stdout -----
    <!-- telrep plan: acme.yaml -->
    ### telrep plan: Acme Corp (`acme.yaml`)

    **Plan failed: 1 error.**

    - :x: no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)

    ----- stderr -----
    error: no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)
    ");
    let json = crate::support::telrep(workspace.path(), &["plan", "--format", "json", "acme.yaml"]);
    assert_eq!(json.status.code(), Some(1));
    let plan: Value = serde_json::from_slice(&json.stdout).unwrap();
    check_plan_schema(&plan);
    assert_eq!(plan["diagnostics"][0]["rule"], "invalid_settings");
    assert_eq!(
        (plan["cost"].clone(), plan["steps"].clone()),
        (Value::Null, json!([]))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_a_short_key_does_not_corrupt_what_the_api_sends() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let base = env.base();
    let directory = workspace.path().to_path_buf();
    // `data` is in every body: scrubbing it from successes would break them all.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args([
                "plan",
                "--detailed-exitcode",
                "--api-url",
                &base,
                "acme.yaml",
            ])
            .current_dir(directory)
            .env("TELNYX_API_KEY", "data")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", render(&output));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn format_diff_shows_the_account_against_the_manifest_in_manifest_form() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS[..2], "");
    converge(&env, workspace.path(), "acme.yaml").await;
    let path = workspace.path().join("acme.yaml");
    let converged = telrep(
        &env,
        workspace.path(),
        &[
            "plan",
            "--format",
            "diff",
            "--detailed-exitcode",
            "acme.yaml",
        ],
    )
    .await;
    assert_eq!(
        (converged.status.code(), converged.stdout.len()),
        (Some(0), 0)
    );
    // Another frequency, one number swapped for another, a changed contact email.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "  enabled: true\n",
            "  enabled: true\n  check_frequency: weekly\n",
        )
        .replace(NUMBERS[1], NUMBERS[2])
        .replace("email: jane@acme.com", "email: jane.smith@acme.com");
    std::fs::write(&path, text).unwrap();
    let args = [
        "plan",
        "--format",
        "diff",
        "--detailed-exitcode",
        "acme.yaml",
    ];
    let output = telrep(&env, workspace.path(), &args).await;
    crate::snapshot!(render(&output), @r#"
    exit: 2
    ----- stdout -----
    --- live
    +++ manifest
    @@ -18,7 +18,7 @@
       legal_name: Acme Corp
       number_of_employees: 51-200
       organization_contact:
    -    email: sha256:7bb9e302
    +    email: sha256:ecdf5099
         first_name: sha256:4f23798d
         job_title: sha256:e7f67dde
         last_name: sha256:9f542590
    @@ -34,9 +34,9 @@
       website: https://acme.com
     reputation:
       enabled: true
    -  check_frequency: business_daily
    +  check_frequency: weekly
       loa:
         sha256: 6ec26c386953666034556a51a1d292263ed8d2fbac5e4578e5eb7b1829c71409
       numbers:
         - "+12025550101"
    -    - "+12025550102"
    +    - "+12025550103"
    ----- stderr -----
    "#);
    let mut shown = args.to_vec();
    shown.push("--show-sensitive");
    let output = telrep(&env, workspace.path(), &shown).await;
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("-    email: jane@acme.com\n+    email: jane.smith@acme.com\n"),
        "{stdout}"
    );
}

/// `plan --format sarif`: the same errors in a log the SARIF 2.1.0 schema accepts, each at
/// its number's line and column, under the rule that refused it.
#[tokio::test(flavor = "multi_thread")]
async fn sarif_carries_the_plan_errors_at_their_lines() {
    let env = Env::start(config_with_inventory(&NUMBERS[..1])).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--format", "sarif", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", render(&output));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_sarif(&log);
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"],
        json!([{"id": "number_not_in_inventory", "shortDescription": {"text": "a number to add that the account does not own (declare an ownership proof to add it as hosted elsewhere)"}}])
    );
    let places: Vec<(&str, &str, u64, u64)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let location = &result["locations"][0]["physicalLocation"];
            (
                result["ruleId"].as_str().unwrap(),
                location["artifactLocation"]["uri"].as_str().unwrap(),
                location["region"]["startLine"].as_u64().unwrap(),
                location["region"]["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("number_not_in_inventory", "acme.yaml", 43, 7),
            ("number_not_in_inventory", "acme.yaml", 44, 7)
        ]
    );
}

/// `plan --format github`: the plan's errors as annotations at the line of each number
/// (the plan itself is for Markdown or JSON).
#[tokio::test(flavor = "multi_thread")]
async fn github_annotations_carry_the_plan_errors_at_their_lines() {
    // Only the first number is in the inventory.
    let env = Env::start(config_with_inventory(&NUMBERS[..1])).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--format", "github", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    ::error file=acme.yaml,line=43,col=7,title=number_not_in_inventory::`+12025550102` (acme.yaml:43:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest%0Ahelp: if it is hosted with another carrier, declare the ownership proof under `reputation.external_verification` (`files: [PDF, ...]` or `document_ids: [ID, ...]`): numbers hosted elsewhere are added once Telnyx approves it
    ::error file=acme.yaml,line=44,col=7,title=number_not_in_inventory::`+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest%0Ahelp: if it is hosted with another carrier, declare the ownership proof under `reputation.external_verification` (`files: [PDF, ...]` or `document_ids: [ID, ...]`): numbers hosted elsewhere are added once Telnyx approves it
    ----- stderr -----
    ");
}

/// `METHOD /path` of each request the proxy saw, ids replaced by `{id}`, sorted.
fn calls(log: &[crate::support::proxy::Seen]) -> Vec<String> {
    let mut calls: Vec<String> = log
        .iter()
        .map(|seen| {
            let path: Vec<&str> = seen
                .path
                .split('/')
                .map(|segment| if segment.len() == 36 { "{id}" } else { segment })
                .collect();
            format!("{} {}", seen.method, path.join("/"))
        })
        .collect();
    calls.sort();
    calls
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_reads_that_do_not_need_each_other_go_out_at_once() {
    use crate::support::child::Child;
    use crate::support::proxy::{Proxy, Seen};
    use crate::support::wait_until;
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    converge(&env, workspace.path(), "acme.yaml").await;
    // The answers to the terms and to the settings are held until the test releases them:
    // the plan goes on only if it asked for the enterprise, then the first number page,
    // without waiting for them.
    let is_held = |seen: &Seen| {
        seen.path == "/v2/terms_of_service/status"
            || (seen.method == "GET" && seen.path.ends_with("/reputation"))
    };
    let proxy = Proxy::holding(env.upstream(), move |seen, _| is_held(seen)).await;
    let child = Child::spawn(
        workspace.path(),
        &[
            "plan",
            "--detailed-exitcode",
            "acme.yaml",
            "--api-url",
            &proxy.base_url(),
        ],
    );
    let mut log = proxy.log();
    let held = |log: &[Seen], suffix: &str| {
        log.iter()
            .position(|seen| seen.held && seen.path.ends_with(suffix))
    };
    let asked = |log: &[Seen], suffix: &str| log.iter().any(|seen| seen.path.ends_with(suffix));
    let seen = wait_until(
        &mut log,
        30,
        "the enterprise asked for beside the terms",
        |log| held(log, "/terms_of_service/status").is_some() && asked(log, "/v2/enterprises"),
    )
    .await;
    assert_eq!(
        calls(&seen),
        ["GET /v2/enterprises", "GET /v2/terms_of_service/status"]
    );
    proxy.release(held(&seen, "/terms_of_service/status").unwrap());
    let seen = wait_until(
        &mut log,
        30,
        "a number page asked for beside the settings",
        |log| held(log, "/reputation").is_some() && asked(log, "/reputation/numbers"),
    )
    .await;
    proxy.release(held(&seen, "/reputation").unwrap());
    let output = child.wait().await;
    assert_eq!(output.status.code(), Some(0), "{}", render(&output));
    assert_eq!(
        calls(&proxy.log().borrow()),
        [
            "GET /v2/documents/{id}",
            "GET /v2/enterprises",
            "GET /v2/enterprises/{id}/reputation",
            "GET /v2/enterprises/{id}/reputation/numbers",
            "GET /v2/terms_of_service/status",
        ]
    );
}

/// Another run creates the enterprise and adds its numbers between this plan's lookup by
/// legal name (none) and its number reads (monitored by that very name): the halves
/// disagree, so the plan reads the account again instead of calling the numbers taken.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_an_enterprise_created_while_the_plan_reads_is_read_again() {
    use crate::support::child::Child;
    use crate::support::proxy::{Proxy, Seen};
    use crate::support::wait_until;
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    env.call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    let workspace = workspace(&NUMBERS, "");
    let is_lookup = |seen: &Seen| seen.method == "GET" && seen.path == "/v2/enterprises";
    // Only the first lookup's answer (no enterprise yet) is held.
    let proxy = Proxy::holding(env.upstream(), move |seen, before| {
        is_lookup(seen) && !before.iter().any(&is_lookup)
    })
    .await;
    let child = Child::spawn(
        workspace.path(),
        &[
            "plan",
            "--detailed-exitcode",
            "acme.yaml",
            "--api-url",
            &proxy.base_url(),
        ],
    );
    let mut log = proxy.log();
    let seen = wait_until(&mut log, 30, "the lookup held", |log: &Vec<Seen>| {
        log.iter().any(|seen| seen.held)
    })
    .await;
    let held = seen.iter().position(|seen| seen.held).unwrap();
    converge(&env, workspace.path(), "acme.yaml").await;
    proxy.release(held);
    let output = child.wait().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", render(&output));
    assert!(
        stdout.contains("No changes. The account matches the manifest."),
        "{}",
        render(&output)
    );
    let lookups = proxy
        .log()
        .borrow()
        .iter()
        .filter(|seen| is_lookup(seen))
        .count();
    assert_eq!(lookups, 2, "one lookup, then one re-read");
}

/// While every lookup by legal name finds nothing and the number reads meet that very
/// enterprise, the account is read three times, then the plan is an error saying so.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_an_account_that_keeps_changing_while_read_is_an_error() {
    use crate::support::proxy::Proxy;
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    converge(&env, workspace.path(), "acme.yaml").await;
    let proxy = Proxy::start(env.upstream(), |method, path, _, body| {
        if method != "GET" || path != "/v2/enterprises" {
            return body;
        }
        let mut page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        page["data"] = serde_json::json!([]);
        page["meta"]["total_results"] = serde_json::json!(0);
        serde_json::to_vec(&page).unwrap()
    })
    .await;
    let output = crate::support::api::telrep_at(
        proxy.base_url(),
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp, manifest acme.yaml

    The plan cannot be made:
      - the account changed while it was read: no enterprise had legal_name `Acme Corp`, then `Acme Corp` (`[UUID]`) monitored the manifest's numbers (another run applying at once?)
        help: nothing was planned; once the other run is done, plan again (running apply again is safe: it re-reads the account first); if this persists, pin the enterprise with `id:` under `enterprise`

    Plan failed: 1 error.
    ----- stderr -----
    ");
    let lookups = proxy
        .log()
        .borrow()
        .iter()
        .filter(|seen| seen.method == "GET" && seen.path == "/v2/enterprises")
        .count();
    assert_eq!(lookups, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_manifests_planned_together_read_the_account_wide_listings_once() {
    let numbers = crate::support::fleet::fleet_numbers(24);
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&refs)).await;
    env.call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    // Two manifests of 12 numbers each: more than are looked up one by one, so each plan
    // needs the whole inventory and every enterprise's numbers.
    let workspace = workspace(&refs[..12], "");
    let west = std::fs::read_to_string(workspace.path().join("acme.yaml"))
        .unwrap()
        .replace("legal_name: Acme Corp", "legal_name: Acme West");
    let west = refs[..12]
        .iter()
        .zip(&refs[12..])
        .fold(west, |text, (east, west)| text.replace(east, west));
    std::fs::write(workspace.path().join("west.yaml"), west).unwrap();
    env.clear_requests().await;
    let output = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml", "west.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", render(&output));
    let requests = env.requests().await;
    let count = |path: &str| {
        requests
            .iter()
            .filter(|(method, seen, _, _)| method == "GET" && seen == path)
            .count()
    };
    assert_eq!(
        (
            count("/v2/phone_numbers"),
            count("/v2/reputation/numbers"),
            count("/v2/terms_of_service/status"),
        ),
        (1, 1, 2),
        "{requests:?}"
    );
}
