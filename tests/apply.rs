//! `telrep apply` against an in-process sandbox: convergence, idempotence, rejected vetting,
//! refused numbers, stale saved plans, the LOA cascade, --no-wait, confirmation, faults and
//! signals. Every output is a whole, filtered snapshot (`crate::snapshot!`); a signal is sent
//! once telrep has said or done what the test waits for, never after a sleep.

use std::path::Path;

use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::support::api::{
    Env, config_with_inventory, converge, telrep_against as telrep, telrep_at, workspace,
};
use crate::support::child::Child;
use crate::support::proxy::{Proxy, Seen};
use crate::support::{fixtures, render, wait_until};

async fn writes(env: &Env) -> Vec<String> {
    env.requests()
        .await
        .into_iter()
        .filter(|(method, ..)| method != "GET")
        .map(|(method, path, _, status)| format!("{method} {path} {status}"))
        .collect()
}

/// `apply --auto-approve acme.yaml` in the background against `base`.
fn spawn_apply(base: &str, directory: &Path) -> Child {
    Child::spawn(
        directory,
        &["apply", "--auto-approve", "acme.yaml", "--api-url", base],
    )
}

/// `apply --auto-approve --concurrency N PATH` in the background against `base`.
fn spawn_apply_at(base: &str, directory: &Path, concurrency: &str, path: &str) -> Child {
    Child::spawn(
        directory,
        &[
            "apply",
            "--auto-approve",
            "--concurrency",
            concurrency,
            path,
            "--api-url",
            base,
        ],
    )
}

/// What telrep writes the moment it hears SIGTERM or SIGINT.
const HEARD: &str = "telrep: interrupted; finishing the calls in flight, starting nothing new\n";

/// Sends SIGTERM and waits until telrep says it heard it (and starts nothing new).
async fn terminate(child: &Child) {
    child.terminate();
    child.wait_for_stderr(60, HEARD).await;
}

/// `render(output)` of an apply stopped by a signal while it waited on nothing the test
/// holds (a pause, a read that never ends), with `HEARD` checked to be there once and left
/// out: the task that hears the signal writes it, and the waiting step notices the signal
/// on its own, so which of their lines comes first is not fixed.
fn render_interrupted(output: &std::process::Output) -> String {
    let rendered = render(output);
    assert_eq!(rendered.matches(HEARD).count(), 1, "{rendered}");
    rendered.replacen(HEARD, "", 1)
}

const NUMBERS: [&str; 3] = ["+12025550101", "+12025550102", "+12025550103"];

#[tokio::test(flavor = "multi_thread")]
async fn apply_converges_and_a_second_apply_changes_nothing() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting done
    [TIME] [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [TIME] [6] add_numbers done
    Apply complete. The account matches the manifest.
    ");
    assert_eq!(
        env.billing().await,
        json!({"enable": 1, "numbers_added": 3, "fresh_lookups": 0, "first_lookups": 0, "refreshes": 0, "remediations": 0})
    );
    env.clear_requests().await;
    let again = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(
        writes(&env).await,
        Vec::<String>::new(),
        "a converged account gets zero write calls"
    );
    crate::snapshot!(render(&again), @"
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
}

#[tokio::test(flavor = "multi_thread")]
async fn json_events_and_confirmation() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let refused = telrep(&env, workspace.path(), &["apply", "acme.yaml"]).await;
    crate::snapshot!(render(&refused), @"
    exit: 1
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
    error: apply makes 6 calls and was not confirmed: pass --auto-approve when not on a terminal
    ");
    assert_eq!(writes(&env).await, Vec::<String>::new());
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--format", "json", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let events: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for event in &events {
        crate::support::check_schema("apply-event.schema.json", event);
    }
    let kinds: Vec<String> = events
        .iter()
        .map(|event| {
            format!(
                "{} {}",
                event["event"].as_str().unwrap(),
                event.get("action").and_then(Value::as_str).unwrap_or("")
            )
        })
        .filter(|kind| !kind.starts_with("waiting"))
        .collect();
    assert_eq!(
        kinds,
        [
            "step_started accept_terms",
            "step_finished accept_terms",
            "step_started create_enterprise",
            "step_finished create_enterprise",
            "step_started upload_loa",
            "step_finished upload_loa",
            "step_started enable_reputation",
            "step_finished enable_reputation",
            "step_started wait_for_vetting",
            "step_finished wait_for_vetting",
            "step_started add_numbers",
            "step_finished add_numbers",
            "converged ",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_vetting_fails_with_its_reasons() {
    let mut config = config_with_inventory(&NUMBERS);
    config.rules.reject = vec!["Acme Corp".to_owned()];
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting failed: vetting was rejected: The business could not be verified from the details provided; The Letter of Authorization does not match the enterprise
    error: vetting was rejected: The business could not be verified from the details provided; The Letter of Authorization does not match the enterprise
    ");
    assert_eq!(env.billing().await["numbers_added"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_number_is_named_and_the_rest_of_its_batch_added() {
    let numbers: Vec<String> = (0..10)
        .map(|index| format!("+1202555{:04}", 200 + index))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.rules.refuse.insert("+12025550207".to_owned());
    let env = Env::start(config).await;
    let workspace = workspace(&refs, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
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
        batch 1 of 1: 10 numbers not monitored yet
          +12025550200, +12025550201, +12025550202, … 5 more …, +12025550208, +12025550209

    Cost
      apply bills $101.00:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        10 numbers added, one check each (estimate): $1.00
      monthly (monitoring and auto-refresh): $0.00 → $121.75
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 4 to create, 10 numbers to add, 0 to remove, 0 to change.
    ----- stderr -----
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting done
    [TIME] [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [TIME] [6] refused +12025550207: `+12025550207` is not eligible for Number Reputation
    [TIME] [6] add_numbers failed: 1 number refused
    error: the API refused 1 number:
      +12025550207: `+12025550207` is not eligible for Number Reputation
    ");
    assert_eq!(env.billing().await["numbers_added"], 9);
    let enterprises = env.enterprises().await;
    let mut expected = numbers.clone();
    expected.retain(|number| number != "+12025550207");
    assert_eq!(env.monitored(&enterprises[0]).await, expected);
}

/// Two pipelines: one saved a plan for review, the other applied meanwhile. The saved plan
/// is refused, and nothing is sent.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_a_saved_plan_is_refused_after_another_apply_changed_the_account() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let saved = telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    assert_eq!(saved.status.code(), Some(0), "{}", render(&saved));
    let other = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(other.status.code(), Some(0), "{}", render(&other));
    env.clear_requests().await;
    let stale = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "plan.json"],
    )
    .await;
    crate::snapshot!(render(&stale), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: refusing the saved plan: the account changed since the plan was saved; run `telrep plan --out FILE` again and review it
    ");
    let writes = env
        .requests()
        .await
        .into_iter()
        .filter(|(method, _, _, _)| method != "GET")
        .count();
    assert_eq!(writes, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_saved_plan_is_refused() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let saved = telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    assert_eq!(saved.status.code(), Some(0));
    // The account changes after the plan was saved.
    env.call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "plan.json"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: refusing the saved plan: the account changed since the plan was saved; run `telrep plan --out FILE` again and review it
    ");
    // Planned again and applied from the fresh plan, it converges.
    telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    let applied = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "plan.json"],
    )
    .await;
    assert_eq!(applied.status.code(), Some(0), "{}", render(&applied));
    // The manifest changes after the plan was saved.
    telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    let original = std::fs::read_to_string(workspace.path().join("acme.yaml")).unwrap();
    let manifest = original.replace("doing_business_as: Acme", "doing_business_as: Acme Inc");
    std::fs::write(workspace.path().join("acme.yaml"), manifest).unwrap();
    let stale = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "plan.json"],
    )
    .await;
    crate::snapshot!(render(&stale), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: refusing the saved plan: `acme.yaml` changed since the plan was saved; run `telrep plan --out FILE` again and review it
    ");
    // issue 8: a changed LOA (or numbers file) is named, not only its manifest.
    std::fs::write(workspace.path().join("acme.yaml"), original).unwrap();
    telrep(
        &env,
        workspace.path(),
        &["plan", "--out", "plan.json", "acme.yaml"],
    )
    .await;
    let mut pdf = std::fs::read(workspace.path().join("loa/signed.pdf")).unwrap();
    pdf.extend_from_slice(b"\n% re-signed\n");
    std::fs::write(workspace.path().join("loa/signed.pdf"), pdf).unwrap();
    let stale = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "plan.json"],
    )
    .await;
    crate::snapshot!(render(&stale), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: refusing the saved plan: `loa/signed.pdf` changed since the plan was saved; run `telrep plan --out FILE` again and review it
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn replacing_an_approved_loa_goes_through_the_cascade() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    converge(&env, workspace.path(), "acme.yaml").await;
    // A new signed LOA replaces the approved one.
    let mut pdf = std::fs::read(workspace.path().join("loa/signed.pdf")).unwrap();
    pdf.extend_from_slice(b"\n% re-signed 2026-11-25\n");
    std::fs::write(workspace.path().join("loa/signed.pdf"), pdf).unwrap();
    let refused = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&refused), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp (id [UUID]), manifest acme.yaml

    The plan cannot be made:
      - the LOA must change and the live one is approved, which the API refuses to PATCH: disable de-registers 3 numbers, re-adds 3 numbers in 1 batch, and bills enable again; pass --allow-disable to accept

    Plan failed: 1 error.
    ----- stderr -----
    ");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--allow-disable", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 0
    ----- stdout -----
    Enterprise Acme Corp (id [UUID]), manifest acme.yaml

    + upload_loa  POST /documents
        upload `loa/signed.pdf` (sha256 ef45d599b0ce…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes
    - disable_reputation  DELETE /enterprises/[UUID]/reputation
        the LOA must change and the live one is approved, which the API refuses to PATCH
    + enable_reputation  POST /enterprises/[UUID]/reputation  [billable]
        re-enable after the disable: enable with loa_document_id `{uploaded_document_id}` and check_frequency `business_daily`
    = wait_for_vetting  GET /enterprises/[UUID]/reputation
        vetting restarts after enable; numbers can be added once it is approved
    + add_numbers  POST /enterprises/[UUID]/reputation/numbers  [billable]
        batch 1 of 1: 3 numbers not monitored yet
          +12025550101, +12025550102, +12025550103

    Cost
      apply bills $100.30:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        3 numbers added, one check each (estimate): $0.30
      monthly (monitoring and auto-refresh): $106.53, unchanged
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 2 to create, 3 numbers to add, 1 to remove, 0 to change.
    ----- stderr -----
    [TIME] [1/5] + upload_loa POST /documents
    [TIME] [1] upload_loa done: LOA document id `[UUID]`
    [TIME] [2/5] - disable_reputation DELETE /enterprises/[UUID]/reputation
    [TIME] [2] disable_reputation done
    [TIME] [3/5] + enable_reputation POST /enterprises/[UUID]/reputation
    [TIME] [3] enable_reputation done
    [TIME] [4/5] = wait_for_vetting GET /enterprises/[UUID]/reputation
    [TIME] [4] wait_for_vetting done
    [TIME] [5/5] + add_numbers POST /enterprises/[UUID]/reputation/numbers
    [TIME] [5] add_numbers done
    Apply complete. The account matches the manifest.
    ");
    assert_eq!(
        env.billing().await["enable"],
        2,
        "the cascade bills enable again, as the plan said"
    );
    let plan = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    assert_eq!(plan.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_wait_stops_before_approval_and_a_later_apply_finishes() {
    let mut config = config_with_inventory(&NUMBERS);
    config.rules.approve_after_ms = 5_000;
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--no-wait", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 3
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    vetting pending: run apply again later
    ");
    assert_eq!(env.billing().await["numbers_added"], 0);
    let timeout = telrep(
        &env,
        workspace.path(),
        &[
            "apply",
            "--auto-approve",
            "--approval-timeout",
            "0",
            "acme.yaml",
        ],
    )
    .await;
    // Vetting comes due on the sandbox's clock, 5 s after the first apply enabled it: what
    // these two runs find depends on how fast the machine is, so only their ends are fixed.
    assert_eq!(timeout.status.code(), Some(3), "{}", render(&timeout));
    let finished = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(finished.status.code(), Some(0), "{}", render(&finished));
    assert_eq!(
        env.billing().await,
        json!({"enable": 1, "numbers_added": 3, "fresh_lookups": 0, "first_lookups": 0, "refreshes": 0, "remediations": 0})
    );
}

/// A fleet workspace: `count` numbers in `fleet.txt`, the fixture LOA.
fn fleet_workspace(count: usize) -> (tempfile::TempDir, Vec<String>) {
    let temp = tempfile::tempdir().unwrap();
    let numbers = crate::support::fleet::fleet_numbers(count);
    std::fs::write(temp.path().join("fleet.txt"), numbers.join("\n") + "\n").unwrap();
    std::fs::create_dir_all(temp.path().join("loa")).unwrap();
    std::fs::copy(
        fixtures().join("loa/signed.pdf"),
        temp.path().join("loa/signed.pdf"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace("    - \"+12025551234\"\n", "    - file: fleet.txt\n");
    std::fs::write(temp.path().join("acme.yaml"), manifest).unwrap();
    (temp, numbers)
}

/// A sandbox for a fleet trial: `numbers` in its inventory, its state in `state`, its ids
/// and faults drawn from `seed`.
fn fleet_config(numbers: &[String], state: &Path, seed: u64) -> telrep::sandbox::SandboxConfig {
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.state_file = Some(state.to_path_buf());
    config.rules.seed = seed;
    config
}

/// Inspects a sandbox state file through a fault-free sandbox: enterprises, enables billed,
/// and the numbers monitored.
async fn inspect(state: &Path) -> (usize, u64, Vec<String>) {
    let mut config = telrep::sandbox::SandboxConfig::local();
    config.state_file = Some(state.to_path_buf());
    let env = Env::start(config).await;
    let enterprises = env.enterprises().await;
    let enable = env.billing().await["enable"].as_u64().unwrap();
    let numbers = match enterprises.first() {
        Some(id) => env.monitored(id).await,
        None => Vec::new(),
    };
    (enterprises.len(), enable, numbers)
}

/// The path the other client of `other_client` asks for (a 404: it changes nothing).
const OTHER_CLIENT: &str = "/enterprises/other-client";

/// Another client of the sandbox's account: a burst of twelve requests a second (more than
/// a 10/s window holds) until one of telrep's requests has been answered 429.
fn other_client(env: &Env) -> tokio::task::JoinHandle<()> {
    let (base, control) = (env.base(), env.upstream());
    tokio::spawn(async move {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        loop {
            let burst = (0..12).map(|_| {
                http.get(format!("{base}{OTHER_CLIENT}"))
                    .bearer_auth("OTHER")
                    .send()
            });
            futures::future::join_all(burst).await;
            let log: Value = http
                .get(format!("{control}/_sandbox/requests"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let refused = log["data"].as_array().unwrap().iter().any(|request| {
                request["status"] == 429
                    && !request["path"].as_str().unwrap().ends_with(OTHER_CLIENT)
            });
            if refused {
                return;
            }
            // A load generator's pace, not a synchronisation: the next window.
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_do_not_stop_convergence_or_double_bill() {
    let (workspace, mut numbers) = fleet_workspace(2_000);
    let state = workspace.path().join("state.json");
    let mut config = fleet_config(&numbers, &state, 11);
    config.faults.error_rate = 0.10;
    config.faults.reset_rate = 0.05;
    config.faults.rate_limit = Some(10);
    let env = Env::start(config).await;
    // telrep paces itself under the announced limit, so its own traffic meets no 429:
    // another client of the account spends whole windows until one of telrep's requests
    // is refused.
    let other = other_client(&env);
    // A pipeline runs apply again until it converges; every run must be safe.
    converge(&env, workspace.path(), "acme.yaml").await;
    other.abort();
    let statuses: Vec<u16> = env
        .requests()
        .await
        .into_iter()
        .filter(|(_, path, _, _)| !path.ends_with(OTHER_CLIENT))
        .map(|(_, _, _, status)| status)
        .collect();
    assert!(
        statuses.contains(&500) && statuses.contains(&429) && statuses.contains(&0),
        "every fault struck: {statuses:?}"
    );
    env.sandbox.shutdown().await;
    let (enterprises, enables, monitored) = inspect(&state).await;
    numbers.sort();
    assert_eq!(
        (enterprises, enables),
        (1, 1),
        "exactly one enterprise and one enable billed"
    );
    assert_eq!(monitored, numbers);
}

/// Seeds of the one-run convergence trial (README, "Reliability").
const ONE_RUN_SEEDS: u64 = 20;

/// One `apply` of 2,000 numbers under 10 % injected 5xx, 5 % connection resets, a 15/s
/// rate limit and another client's bursts of 429s converges by itself, for every seed: the
/// unattended retries (5, within a minute of waiting) and re-reads that wait for the
/// run's own batches leave nothing for a second run. Four seeds at a time, each with its
/// own sandbox.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_one_apply_converges_under_faults_for_every_seed() {
    let trials = futures::stream::iter(1..=ONE_RUN_SEEDS)
        .map(|seed| async move {
            let (workspace, mut numbers) = fleet_workspace(2_000);
            let state = workspace.path().join("state.json");
            let mut config = fleet_config(&numbers, &state, seed);
            crate::support::api::trial_faults(&mut config);
            let env = Env::start(config).await;
            let other = other_client(&env);
            let applied = telrep(
                &env,
                workspace.path(),
                &["apply", "--auto-approve", "acme.yaml"],
            )
            .await;
            other.abort();
            let struck: Vec<u16> = env
                .requests()
                .await
                .into_iter()
                .filter(|(_, path, _, status)| {
                    !path.ends_with(OTHER_CLIENT) && matches!(status, 0 | 429 | 500..)
                })
                .map(|(_, _, _, status)| status)
                .collect();
            env.sandbox.shutdown().await;
            let live = inspect(&state).await;
            numbers.sort();
            let converged = applied.status.code() == Some(0) && live == (1, 1, numbers);
            (
                seed,
                converged.then_some(struck).ok_or_else(|| render(&applied)),
            )
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    let failed: Vec<String> = trials
        .iter()
        .filter_map(|(seed, trial)| {
            trial
                .as_ref()
                .err()
                .map(|run| format!("seed {seed}:\n{run}"))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {ONE_RUN_SEEDS} seeds did not converge in one apply:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // Every kind of fault struck telrep's own requests across the trial.
    let struck: Vec<u16> = trials
        .into_iter()
        .flat_map(|(_, trial)| trial.unwrap_or_default())
        .collect();
    assert!(
        struck.contains(&500) && struck.contains(&429) && struck.contains(&0),
        "every fault struck: {struck:?}"
    );
}

/// Trials of two applies of one manifest at once (README, "Reliability").
const CONCURRENT_TRIALS: u64 = 20;

/// Two pipelines apply the same manifest at the same moment: the API refuses a second
/// enterprise (409) and a second enable (400), and a number another run added is refused
/// as monitored. Each run carries on with what the other made, so there is one enterprise,
/// one enable billed and the manifest's numbers; both exit 0, or one exits 1 saying a re-run
/// is safe, and a third apply finds no changes. Four trials at a time.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_two_applies_of_one_manifest_at_once_bill_once_and_converge() {
    let trials = futures::stream::iter(1..=CONCURRENT_TRIALS)
        .map(|trial| async move {
            let (workspace, mut numbers) = fleet_workspace(450);
            let state = workspace.path().join("state.json");
            let env = Env::start(fleet_config(&numbers, &state, trial)).await;
            let apply = ["apply", "--auto-approve", "--concurrency", "2", "acme.yaml"];
            let (first, second) = tokio::join!(
                telrep(&env, workspace.path(), &apply),
                telrep(&env, workspace.path(), &apply)
            );
            let codes = (first.status.code(), second.status.code());
            let failed: Vec<&std::process::Output> = [&first, &second]
                .into_iter()
                .filter(|run| run.status.code() != Some(0))
                .collect();
            let third = telrep(
                &env,
                workspace.path(),
                &["apply", "--auto-approve", "acme.yaml"],
            )
            .await;
            env.sandbox.shutdown().await;
            let live = inspect(&state).await;
            numbers.sort();
            let honest = match failed.as_slice() {
                [] => true,
                [run] => {
                    run.status.code() == Some(1)
                        && String::from_utf8_lossy(&run.stderr)
                            .contains("running apply again is safe")
                }
                _ => false,
            };
            let settled = third.status.code() == Some(0)
                && String::from_utf8_lossy(&third.stdout)
                    .contains("No changes. The account matches the manifest.");
            let met = [&first, &second]
                .iter()
                .any(|run| String::from_utf8_lossy(&run.stderr).contains("by another run"));
            if honest && settled && live == (1, 1, numbers) {
                Ok((codes, met))
            } else {
                Err(format!(
                    "trial {trial}: exits {codes:?}, live {:?}\n{}\n{}\nthird:\n{}",
                    (live.0, live.1, live.2.len()),
                    render(&first),
                    render(&second),
                    render(&third)
                ))
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    let failed: Vec<&String> = trials
        .iter()
        .filter_map(|trial| trial.as_ref().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {CONCURRENT_TRIALS} trials:\n{}",
        failed.len(),
        failed
            .iter()
            .map(|failure| failure.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let both = trials
        .iter()
        .filter(|trial| matches!(trial, Ok(((Some(0), Some(0)), _))))
        .count();
    let met = trials
        .iter()
        .filter(|trial| matches!(trial, Ok((_, true))))
        .count();
    eprintln!(
        "{both} of {CONCURRENT_TRIALS} trials: both applies exited 0; in {met} a run carried on with what the other made"
    );
    // The trial means something only when the runs do meet.
    assert!(met > 0, "no trial had the two runs meet");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_any_point_a_second_apply_converges() {
    let (workspace, mut numbers) = fleet_workspace(450);
    numbers.sort();
    for kill_after in [1, 2, 3, 4, 5, 6, 8, 11, 20] {
        let state = workspace.path().join(format!("state-{kill_after}.json"));
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let mut config = config_with_inventory(&refs);
        config.state_file = Some(state.clone());
        let env = Env::start(config).await;
        // The sandbox serves request `kill_after`; its answer is held, and apply is
        // SIGKILLed before it hears it (the worst moment: the change is made, unseen).
        let proxy = Proxy::holding(env.upstream(), move |_, before| {
            before.len() + 1 >= kill_after
        })
        .await;
        let mut child = spawn_apply_at(&proxy.base_url(), workspace.path(), "1", "acme.yaml");
        let (mut log, mut stderr) = (proxy.log(), child.stderr());
        tokio::select! {
            _ = wait_until(&mut log, 60, "the answer to be held", |log: &Vec<Seen>| {
                log.get(kill_after - 1).is_some_and(|seen| seen.held)
            }) => child.kill(),
            _ = wait_until(&mut stderr, 60, "apply to end", |stderr| stderr.closed) => {}
        }
        child.wait().await;
        drop(proxy);
        let output = telrep(
            &env,
            workspace.path(),
            &["apply", "--auto-approve", "acme.yaml"],
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "after a kill at request {kill_after}: {}",
            render(&output)
        );
        env.sandbox.shutdown().await;
        let (enterprises, enables, monitored) = inspect(&state).await;
        assert_eq!(
            (enterprises, enables),
            (1, 1),
            "kill at request {kill_after}"
        );
        assert_eq!(monitored, numbers, "kill at request {kill_after}");
    }
}

#[test]
fn checked_in_event_schema_is_current() {
    let output = crate::support::telrep(&crate::support::root(), &["schema", "--events"]);
    let checked_in =
        std::fs::read_to_string(crate::support::root().join("schema/apply-event.schema.json"))
            .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        checked_in,
        "run `cargo run -- schema --events > schema/apply-event.schema.json`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_calls_in_flight_and_a_rerun_completes() {
    let (workspace, numbers) = fleet_workspace(1_000);
    let state = workspace.path().join("state.json");
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.state_file = Some(state.clone());
    let env = Env::start(config).await;
    // The answers to the number batches are held: two are in flight at once.
    let proxy = Proxy::holding(env.upstream(), |seen, _| {
        seen.answered("POST", "/reputation/numbers", 201)
    })
    .await;
    let child = spawn_apply_at(&proxy.base_url(), workspace.path(), "2", "acme.yaml");
    let mut log = proxy.log();
    let in_flight = wait_until(&mut log, 60, "two batches in flight", |log: &Vec<Seen>| {
        log.iter().filter(|seen| seen.held).count() == 2
    })
    .await;
    terminate(&child).await;
    // The two answers are passed on in batch order, each once the last is reported.
    let mut held: Vec<usize> = (0..in_flight.len())
        .filter(|index| in_flight[*index].held)
        .collect();
    held.sort_by(|a, b| in_flight[*a].body.cmp(&in_flight[*b].body));
    for (done, index) in held.into_iter().enumerate() {
        proxy.release(index);
        wait_until(&mut child.stderr(), 60, "a batch reported", |stderr| {
            stderr.text.matches("add_numbers done").count() == done + 1
        })
        .await;
    }
    let output = child.wait().await;
    crate::snapshot!(render(&output), @"
    exit: 143
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
        batch 1 of 10: 100 numbers not monitored yet
          +12022000000, +12022010000, +12022020000, … 95 more …, +12022980000, +12022990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 2 of 10: 100 numbers not monitored yet
          +12023000000, +12023010000, +12023020000, … 95 more …, +12023980000, +12023990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 3 of 10: 100 numbers not monitored yet
          +12024000000, +12024010000, +12024020000, … 95 more …, +12024980000, +12024990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 4 of 10: 100 numbers not monitored yet
          +12025000000, +12025010000, +12025020000, … 95 more …, +12025980000, +12025990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 5 of 10: 100 numbers not monitored yet
          +12026000000, +12026010000, +12026020000, … 95 more …, +12026980000, +12026990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 6 of 10: 100 numbers not monitored yet
          +12027000000, +12027010000, +12027020000, … 95 more …, +12027980000, +12027990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 7 of 10: 100 numbers not monitored yet
          +12028000000, +12028010000, +12028020000, … 95 more …, +12028980000, +12028990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 8 of 10: 100 numbers not monitored yet
          +12029000000, +12029010000, +12029020000, … 95 more …, +12029980000, +12029990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 9 of 10: 100 numbers not monitored yet
          +12122000000, +12122010000, +12122020000, … 95 more …, +12122980000, +12122990000
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 10 of 10: 100 numbers not monitored yet
          +12123000000, +12123010000, +12123020000, … 95 more …, +12123980000, +12123990000

    Cost
      apply bills $200.00:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        1,000 numbers added, one check each (estimate): $100.00
      monthly (monitoring and auto-refresh): $0.00 → $2,275.00
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 4 to create, 1,000 numbers to add, 0 to remove, 0 to change.
    ----- stderr -----
    [TIME] [1/15] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/15] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/15] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/15] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/15] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting done
    [TIME] [6/15] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [TIME] [7/15] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    telrep: interrupted; finishing the calls in flight, starting nothing new
    [TIME] [6] add_numbers done
    [TIME] [7] add_numbers done
    interrupted: 7 of 15 steps done, 8 not started; run apply again to finish
    ");
    assert_eq!(env.billing().await["numbers_added"], 200);
    let rerun = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(rerun.status.code(), Some(0), "{}", render(&rerun));
    assert_eq!(env.billing().await["numbers_added"], 1_000);
}

/// On a terminal (a pseudo-terminal from `script`), long steps draw a progress bar and end
/// in one summary line; other steps stay timestamped lines.
#[test]
fn progress_bars_on_a_terminal() {
    let workspace = workspace(&NUMBERS, "");
    let command = format!(
        "NO_COLOR=1 {} apply --sandbox --auto-approve acme.yaml > /dev/null",
        env!("CARGO_BIN_EXE_telrep")
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(workspace.path())
        .output()
        .expect("`script` (util-linux) provides the pseudo-terminal");
    assert_eq!(output.status.code(), Some(0));
    // The screen as written, carriage returns dropped and the escape shown as `␛`.
    let screen = String::from_utf8_lossy(&output.stdout)
        .replace('\r', "")
        .replace('\u{1b}', "␛");
    crate::snapshot!(screen, @"
    telrep: using a local sandbox at http://127.0.0.1:[PORT]/v2 (state in .telrep/sandbox.json); nothing is sent to Telnyx
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] waiting for vetting: status `pending`, loa_status `pending`
    [TIME] [5] wait_for_vetting done
    add_numbers [========================================] 3/3 numbers ([DURATION])         ␛[2K[TIME] add_numbers: 3 numbers in [DURATION]
    Apply complete. The account matches the manifest.
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_8_an_apply_stopped_by_an_ambiguous_write_says_a_rerun_is_safe() {
    use crate::support::scripted::Scripted;
    let terms = json!({"data": {"agreement_required": false, "has_agreed": true,
        "current_terms_version": "1", "agreed_version": "1", "agreed_at": "2026-11-25T03:00:00Z",
        "product_type": "number_reputation"}})
    .to_string();
    let empty = json!({"data": [], "meta": {"page_number": 1, "page_size": 250, "total_pages": 0, "total_results": 0}}).to_string();
    let failure =
        json!({"errors": [{"code": "10007", "title": "Unexpected error", "detail": "try again"}]})
            .to_string();
    let server = Scripted::start(move |path, query, _| match (path, query.is_empty()) {
        ("/v2/terms_of_service/status", _) => (200, Vec::new(), terms.clone()),
        ("/v2/enterprises", false) => (200, Vec::new(), empty.clone()),
        ("/v2/enterprises", true) => (500, Vec::new(), failure.clone()),
        _ => (404, Vec::new(), "{}".to_owned()),
    })
    .await;
    let workspace = workspace(&[], "");
    let path = workspace.path().join("acme.yaml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    let disabled = &manifest[..manifest.find("reputation:").unwrap()];
    std::fs::write(&path, format!("{disabled}reputation:\n  enabled: false\n")).unwrap();
    let output = telrep_at(
        server.base_url(),
        workspace.path(),
        &["apply", "--auto-approve", "--max-retries", "1", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
    ----- stdout -----
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    + create_enterprise  POST /enterprises
        no enterprise has legal_name `Acme Corp`

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $0.00, unchanged
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 1 to create, 0 numbers to add, 0 to remove, 0 to change.
    ----- stderr -----
    [TIME] [1/1] + create_enterprise POST /enterprises
    [TIME] [1] re-read after an ambiguous failure: the enterprise was not created; sending again
    [TIME] [1] create_enterprise failed: POST /enterprises: 500 Unexpected error [10007]: try again (the write may or may not have taken effect)
    error: step 1 (create_enterprise) failed
    caused by: POST /enterprises: 500 Unexpected error [10007]: try again (the write may or may not have taken effect)
    note: running apply again is safe: it re-reads the account first and picks up where this one stopped
    ");
    // Created twice at most: once, then once more (`--max-retries 1`) after the re-read
    // found nothing.
    let posts = server
        .seen()
        .iter()
        .filter(|(path, query, _)| path == "/v2/enterprises" && query.is_empty())
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_a_batch_that_always_fails_is_sent_a_bounded_number_of_times() {
    let mut config = config_with_inventory(&NUMBERS);
    config.faults.fail_routes =
        vec![telrep::sandbox::parse_fail_route("POST /enterprises/*/reputation/numbers").unwrap()];
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--max-retries", "2", "acme.yaml"],
    )
    .await;
    crate::snapshot!(render(&output), @"
    exit: 1
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting done
    [TIME] [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [TIME] [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [TIME] [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [TIME] [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [TIME] [6] add_numbers failed: the batch failed 3 times without a definite answer; not added: +12025550101, +12025550102, +12025550103: POST /enterprises/[UUID]/reputation/numbers: 500 Unexpected error [10007]: sandbox: injected server error (the write may or may not have taken effect)
    error: step 6 (add_numbers): the batch failed 3 times without a definite answer; not added: +12025550101, +12025550102, +12025550103
    caused by: POST /enterprises/[UUID]/reputation/numbers: 500 Unexpected error [10007]: sandbox: injected server error (the write may or may not have taken effect)
    note: running apply again is safe: it re-reads the account first and picks up where this one stopped
    ");
    // The first send and as many more as `--max-retries` (2), each after a re-read;
    // nothing else.
    let posts = env
        .requests()
        .await
        .iter()
        .filter(|(method, path, _, _)| method == "POST" && path.ends_with("/reputation/numbers"))
        .count();
    assert_eq!(posts, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_sigterm_during_the_vetting_wait_exits_143() {
    let mut config = config_with_inventory(&NUMBERS);
    config.rules.approve_after_ms = 3_600_000;
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&env.base(), workspace.path());
    // Once apply says vetting is pending, it is in its backoff between polls: SIGTERM.
    child
        .wait_for_stderr(60, "waiting for vetting: status `pending`")
        .await;
    terminate(&child).await;
    let output = child.wait().await;
    crate::snapshot!(render_interrupted(&output), @"
    exit: 143
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] waiting for vetting: status `pending`, loa_status `pending`
    interrupted: 4 of 6 steps done, 2 not started; run apply again to finish
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_an_loa_without_sha256_converges_without_cascading() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    // A man in the middle takes `sha256` out of every document, as the API's schema allows.
    let proxy = Proxy::start(env.upstream(), |method, path, _, body| {
        if method != "GET" || !path.starts_with("/v2/documents/") {
            return body;
        }
        let mut value: Value = serde_json::from_slice(&body).unwrap();
        value["data"].as_object_mut().unwrap().remove("sha256");
        serde_json::to_vec(&value).unwrap()
    })
    .await;
    let workspace = workspace(&NUMBERS, "");
    for run in 0..3 {
        let output = telrep_at(
            proxy.base_url(),
            workspace.path(),
            &["apply", "--auto-approve", "--allow-disable", "acme.yaml"],
        )
        .await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "run {run}: {}",
            render(&output)
        );
    }
    // Matched by size and name: enabled once, the numbers added once, never disabled.
    assert_eq!(env.billing().await["enable"], 1);
    assert_eq!(env.billing().await["numbers_added"], 3);
    let disables = env
        .requests()
        .await
        .iter()
        .filter(|(method, _, _, _)| method == "DELETE")
        .count();
    assert_eq!(disables, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_sigterm_while_a_batch_keeps_failing_exits_143() {
    let mut config = config_with_inventory(&NUMBERS);
    config.faults.fail_routes =
        vec![telrep::sandbox::parse_fail_route("POST /enterprises/*/reputation/numbers").unwrap()];
    let env = Env::start(config).await;
    // The batch's second send is held until the signal is heard: between its sends.
    let proxy = Proxy::holding(env.upstream(), |seen, before| {
        seen.answered("POST", "/reputation/numbers", 500)
            && before
                .iter()
                .any(|earlier| earlier.answered("POST", "/reputation/numbers", 500))
    })
    .await;
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&proxy.base_url(), workspace.path());
    let mut log = proxy.log();
    let log_now = wait_until(&mut log, 60, "the second send held", |log: &Vec<Seen>| {
        log.iter().any(|seen| seen.held)
    })
    .await;
    terminate(&child).await;
    proxy.release(log_now.iter().position(|seen| seen.held).unwrap());
    let output = child.wait().await;
    crate::snapshot!(render(&output), @"
    exit: 143
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] [5] wait_for_vetting done
    [TIME] [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [TIME] [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    telrep: interrupted; finishing the calls in flight, starting nothing new
    [TIME] [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    interrupted: 5 of 6 steps done, 1 not started; run apply again to finish
    ");
    let failed_adds = env
        .requests()
        .await
        .iter()
        .filter(|(method, path, _, status)| {
            method == "POST" && path.ends_with("/reputation/numbers") && *status == 500
        })
        .count();
    assert!(failed_adds < 3, "stopped before the batch's budget ran out");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_a_failing_wait_names_its_step() {
    let mut config = config_with_inventory(&NUMBERS);
    config.rules.approve_after_ms = 3_600_000;
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&env.base(), workspace.path());
    // Once apply waits for vetting, reputation is disabled behind its back.
    child
        .wait_for_stderr(60, "waiting for vetting: status `pending`")
        .await;
    let enterprises = env.enterprises().await;
    let path = format!("/enterprises/{}/reputation", enterprises[0]);
    assert_eq!(env.call("DELETE", &path, None).await.0, 204);
    let output = child.wait().await;
    crate::snapshot!(render(&output), @"
    exit: 1
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
    [TIME] [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [TIME] [1] accept_terms done
    [TIME] [2/6] + create_enterprise POST /enterprises
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] [3/6] + upload_loa POST /documents
    [TIME] [3] upload_loa done: LOA document id `[UUID]`
    [TIME] [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [TIME] [4] enable_reputation done
    [TIME] [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [TIME] waiting for vetting: status `pending`, loa_status `pending`
    [TIME] [5] wait_for_vetting failed: reputation is not enabled
    error: step 5 (wait_for_vetting): reputation is not enabled
    ");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_sigterm_while_apply_reads_the_account_exits_143() {
    // A server that accepts connections and never answers: apply waits on its first read.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (accepted, mut accepts) = tokio::sync::watch::channel(0_usize);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            accepted.send_replace(held.len());
        }
    });
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&format!("http://{address}/v2"), workspace.path());
    wait_until(&mut accepts, 60, "a connection", |count| *count >= 1).await;
    terminate(&child).await;
    let output = child.wait().await;
    crate::snapshot!(render_interrupted(&output), @"
    exit: 143
    ----- stdout -----
    ----- stderr -----
    interrupted while reading the account, before any change; run apply again
    ");
}

/// A workspace of three manifests: `acme.yaml` (one number), `west/acme-west.yaml` (another
/// enterprise, another number) and `east/acme-east.yaml`, whose number is not in the
/// inventory (its plan fails) unless `east_number` is one that is.
fn three_manifests(east_number: &str) -> tempfile::TempDir {
    let workspace = workspace(&NUMBERS[..1], "");
    let manifest = std::fs::read_to_string(workspace.path().join("acme.yaml")).unwrap();
    for (directory, name, number) in [
        ("west", "Acme West", NUMBERS[1]),
        ("east", "Acme East", east_number),
    ] {
        std::fs::create_dir_all(workspace.path().join(directory).join("loa")).unwrap();
        std::fs::copy(
            workspace.path().join("loa/signed.pdf"),
            workspace.path().join(directory).join("loa/signed.pdf"),
        )
        .unwrap();
        let text = manifest
            .replace("legal_name: Acme Corp", &format!("legal_name: {name}"))
            .replace(NUMBERS[0], number);
        let file = format!("{directory}/acme-{directory}.yaml");
        std::fs::write(workspace.path().join(file), text).unwrap();
    }
    workspace
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_a_directory_applies_every_manifest_at_once_and_combines_the_exit_code() {
    let env = Env::start(config_with_inventory(&NUMBERS[..2])).await;
    let workspace = three_manifests("+12025550199");
    let output = telrep(&env, workspace.path(), &["apply", "--auto-approve", "."]).await;
    // East's plan fails (its number is not in the inventory): 1, though the others converge.
    assert_eq!(output.status.code(), Some(1), "{}", render(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let shown: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("Enterprise "))
        .collect();
    assert_eq!(
        shown,
        [
            "Enterprise Acme Corp (not created yet), manifest ./acme.yaml",
            "Enterprise Acme East (not created yet), manifest ./east/acme-east.yaml",
            "Enterprise Acme West (not created yet), manifest ./west/acme-west.yaml",
        ]
    );
    // Each line of the two applied at once names its manifest, and each runs its steps in
    // its plan's order.
    for manifest in ["./acme.yaml", "./west/acme-west.yaml"] {
        let prefix = format!("{manifest}: [");
        let started: Vec<&str> = stderr
            .lines()
            .filter_map(|line| line.split_once(&prefix).map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_once(']').map(|(step, _)| step))
            .filter(|step| step.contains('/'))
            .collect();
        assert_eq!(
            started,
            ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"],
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "{manifest}: Apply complete. The account matches the manifest."
            )),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("./east/acme-east.yaml: ["), "{stderr}");
    // The two converged; nothing of east's was written.
    let planned = telrep(
        &env,
        workspace.path(),
        &[
            "plan",
            "--detailed-exitcode",
            "acme.yaml",
            "west/acme-west.yaml",
        ],
    )
    .await;
    assert_eq!(planned.status.code(), Some(0), "{}", render(&planned));
    assert_eq!(env.enterprises().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_manifests_applied_at_once_share_one_in_flight_limit() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = three_manifests(NUMBERS[2]);
    // Every answer is held until the test releases it: with `--concurrency 1` the three
    // manifests' requests must reach the server one at a time, from planning to verifying.
    let proxy = Proxy::holding(env.upstream(), |_, _| true).await;
    let child = spawn_apply_at(&proxy.base_url(), workspace.path(), "1", ".");
    let (mut log, mut stderr) = (proxy.log(), child.stderr());
    let mut released = 0;
    loop {
        let seen = tokio::select! {
            seen = wait_until(&mut log, 60, "a request held", |log: &Vec<Seen>| {
                log.iter().any(|seen| seen.held)
            }) => seen,
            _ = wait_until(&mut stderr, 60, "apply to end", |stderr| stderr.closed) => break,
        };
        let held: Vec<usize> = (0..seen.len()).filter(|index| seen[*index].held).collect();
        assert_eq!(held.len(), 1, "one request in flight at a time: {seen:?}");
        proxy.release(held[0]);
        released += 1;
    }
    let output = child.wait().await;
    assert_eq!(output.status.code(), Some(0), "{}", render(&output));
    assert_eq!(released, proxy.log().borrow().len());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr
            .matches(": Apply complete. The account matches the manifest.")
            .count(),
        3,
        "{stderr}"
    );
    assert_eq!(env.enterprises().await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_after_a_signal_no_manifest_sends_a_write_it_had_queued() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = three_manifests(NUMBERS[2]);
    // The first enterprise creation is held; with `--concurrency 1` the other manifests'
    // writes wait for the one slot meanwhile.
    let is_create = |seen: &Seen| seen.method == "POST" && seen.path == "/v2/enterprises";
    let proxy = Proxy::holding(env.upstream(), move |seen, before| {
        is_create(seen) && !before.iter().any(is_create)
    })
    .await;
    let child = spawn_apply_at(&proxy.base_url(), workspace.path(), "1", ".");
    let mut log = proxy.log();
    let seen = wait_until(
        &mut log,
        60,
        "the first creation held",
        |log: &Vec<Seen>| log.iter().any(|seen| seen.held),
    )
    .await;
    let held = seen.iter().position(|seen| seen.held).unwrap();
    terminate(&child).await;
    proxy.release(held);
    let output = child.wait().await;
    assert_eq!(output.status.code(), Some(143), "{}", render(&output));
    let after: Vec<String> = proxy.log().borrow()[held + 1..]
        .iter()
        .filter(|seen| seen.method != "GET")
        .map(|seen| format!("{} {}", seen.method, seen.path))
        .collect();
    assert_eq!(after, Vec::<String>::new(), "no write after the signal");
    assert_eq!(env.enterprises().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_15_a_saved_plan_of_several_manifests_applies_them_at_once() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = three_manifests(NUMBERS[2]);
    let planned = telrep(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "--out", "saved.json", "."],
    )
    .await;
    assert_eq!(planned.status.code(), Some(2), "{}", render(&planned));
    let applied = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "saved.json"],
    )
    .await;
    assert_eq!(applied.status.code(), Some(0), "{}", render(&applied));
    let stderr = String::from_utf8(applied.stderr).unwrap();
    let mut converged: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_suffix(": Apply complete. The account matches the manifest."))
        .collect();
    converged.sort_unstable();
    assert_eq!(
        converged,
        [
            "./acme.yaml",
            "./east/acme-east.yaml",
            "./west/acme-west.yaml"
        ]
    );
    // Applied, the saved plan is stale for every manifest: each is refused, nothing is sent.
    let again = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--plan", "saved.json"],
    )
    .await;
    assert_eq!(again.status.code(), Some(1), "{}", render(&again));
    let refusals = String::from_utf8(again.stderr)
        .unwrap()
        .matches("the account changed since the plan was saved")
        .count();
    assert_eq!(refusals, 3);
}
