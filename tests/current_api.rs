//! The October 2026 API generation end to end, against the in-process sandbox: toll-free
//! inventory numbers, numbers hosted elsewhere with their ownership proof, ownership drift
//! (Telnyx removing or flagging a number), and the `ownership` commands.

use std::path::Path;

use serde_json::{Value, json};
use telrep::sandbox::SandboxConfig;

use crate::support::api::{Env, telrep_against, telrep_at, workspace};
use crate::support::proxy::{Proxy, Seen};

const INITECH: &str = "examples/hosted-elsewhere";

/// A sandbox that approves at once, with Initech's inventory (a local and a toll-free
/// number), and a copy of the example in a temporary directory.
async fn initech(configure: impl FnOnce(&mut SandboxConfig)) -> (Env, tempfile::TempDir) {
    let mut config = SandboxConfig::local();
    config.inventory = vec![
        ("+15125550150".to_owned(), "local".to_owned()),
        ("+18885550150".to_owned(), "toll_free".to_owned()),
    ];
    configure(&mut config);
    let env = Env::start(config).await;
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&crate::support::root().join(INITECH), temp.path());
    (env, temp)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `POST /_sandbox/{path}`: status and body.
async fn control(env: &Env, path: &str, body: Value) -> (u16, Value) {
    let url = format!("http://{}/_sandbox/{path}", env.sandbox.address());
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The plan's steps as `action [numbers]`, from `plan --format json`.
fn outline(plan: &Value) -> Vec<String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            let numbers = step["phone_numbers"]
                .as_array()
                .map(|numbers| {
                    numbers
                        .iter()
                        .map(|number| number.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            format!("{} {numbers}", step["action"].as_str().unwrap())
                .trim_end()
                .to_owned()
        })
        .collect()
}

async fn plan_json(env: &Env, directory: &Path) -> Value {
    let output = telrep_against(
        env,
        directory,
        &["plan", "--format", "json", "initech.yaml"],
    )
    .await;
    let plan = serde_json::from_slice(&output.stdout).unwrap();
    crate::plan::check_plan_schema(&plan);
    plan
}

async fn apply(env: &Env, directory: &Path) -> std::process::Output {
    telrep_against(env, directory, &["apply", "--auto-approve", "initech.yaml"]).await
}

async fn converged(env: &Env, directory: &Path) -> i32 {
    telrep_against(
        env,
        directory,
        &["plan", "--detailed-exitcode", "initech.yaml"],
    )
    .await
    .status
    .code()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_toll_free_inventory_number_plans_one_add_and_converges() {
    let mut config = SandboxConfig::local();
    config.inventory = vec![("+18885550150".to_owned(), "toll_free".to_owned())];
    let env = Env::start(config).await;
    let workspace = workspace(&["+18885550150"], "");
    let output = telrep_against(
        &env,
        workspace.path(),
        &["plan", "--format", "json", "acme.yaml"],
    )
    .await;
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        outline(&plan),
        [
            "accept_terms",
            "create_enterprise",
            "upload_loa",
            "enable_reputation",
            "wait_for_vetting",
            "add_numbers +18885550150"
        ]
    );
    let output = telrep_against(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = telrep_against(
        &env,
        workspace.path(),
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(env.billing().await["numbers_added"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_hosted_elsewhere_wait_for_the_proof_then_converge() {
    let (env, temp) = initech(|_| {}).await;
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(plan["errors"], json!([]));
    assert_eq!(
        outline(&plan),
        [
            "accept_terms",
            "create_enterprise",
            "upload_loa",
            "enable_reputation",
            "wait_for_vetting",
            "upload_document",
            "submit_external_verification",
            "add_numbers +15125550150 +18885550150",
            "wait_for_external_verification",
            "add_numbers +13125550150 +13125550151 +13125550152",
        ]
    );
    assert_eq!(plan["steps"][5]["file"], "proof/carrier-invoice.pdf");
    assert_eq!(
        plan["steps"][6]["document_ids"],
        json!(["{uploaded:proof/carrier-invoice.pdf}"])
    );
    assert_eq!(
        plan["steps"][9]["reason"],
        "batch 2 of 2: 3 numbers hosted elsewhere, not monitored yet"
    );
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(converged(&env, temp.path()).await, 0);
    assert_eq!(env.billing().await["numbers_added"], 5);
    // An approved proof the manifest no longer declares still covers its numbers.
    let manifest = temp.path().join("initech.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let undeclared = text.replace(
        "  external_verification:          # needed only for the numbers hosted elsewhere\n    files: [proof/carrier-invoice.pdf]\n",
        "",
    );
    assert_ne!(undeclared, text);
    let another = format!("{undeclared}    - \"+13125550153\"\n");
    std::fs::write(&manifest, &another).unwrap();
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(plan["errors"], json!([]));
    assert_eq!(outline(&plan), ["add_numbers +13125550153"]);
    std::fs::write(&manifest, &text).unwrap();
    // The approved proof is locked: another file is a plan error, and nothing is written.
    std::fs::copy(
        temp.path().join("loa-signed.pdf"),
        temp.path().join("proof/carrier-invoice.pdf"),
    )
    .unwrap();
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(plan["steps"], json!([]));
    assert_eq!(plan["diagnostics"][0]["rule"], "proof_locked");
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cascade_submits_the_proof_again_before_re_adding_numbers_hosted_elsewhere() {
    let (env, temp) = initech(|_| {}).await;
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Another LOA while the live one is approved: disable, enable, and everything again.
    std::fs::copy(
        temp.path().join("proof/carrier-invoice.pdf"),
        temp.path().join("loa-signed.pdf"),
    )
    .unwrap();
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "plan",
            "--format",
            "json",
            "--allow-disable",
            "initech.yaml",
        ],
    )
    .await;
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    crate::plan::check_plan_schema(&plan);
    assert_eq!(plan["errors"], json!([]));
    assert_eq!(
        outline(&plan),
        [
            "upload_loa",
            "disable_reputation",
            "enable_reputation",
            "wait_for_vetting",
            "submit_external_verification",
            "add_numbers +15125550150 +18885550150",
            "wait_for_external_verification",
            "add_numbers +13125550150 +13125550151 +13125550152",
        ]
    );
    let submit = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["action"] == "submit_external_verification")
        .unwrap();
    assert_eq!(
        submit["reason"],
        "the disable above drops the ownership proof (its review was `approved`), so it is submitted again; numbers hosted elsewhere can be added once it is approved"
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &["apply", "--auto-approve", "--allow-disable", "initech.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(converged(&env, temp.path()).await, 0);
    let billing = env.billing().await;
    assert_eq!(
        (&billing["enable"], &billing["numbers_added"]),
        (&json!(2), &json!(10))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_wait_stops_before_numbers_whose_proof_is_under_review() {
    let state = tempfile::tempdir().unwrap();
    let state_file = state.path().join("sandbox.json");
    // Vetting approved at once, with the inventory's numbers only.
    let (env, temp) = initech(|config| {
        config.rules.approve_after_ms = 0;
        config.state_file = Some(state_file.clone());
    })
    .await;
    let manifest = temp.path().join("initech.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let (head, _) = text.split_once("  external_verification:").unwrap();
    std::fs::write(
        &manifest,
        format!("{head}  numbers:\n    - \"+15125550150\"\n    - \"+18885550150\"\n"),
    )
    .unwrap();
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    drop(env);
    // The same account, whose reviews now take an hour: the proof stays under review.
    let mut config = SandboxConfig::local();
    config.rules.approve_after_ms = 3_600_000;
    config.state_file = Some(state_file);
    let env = Env::start(config).await;
    std::fs::write(&manifest, &text).unwrap();
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "apply",
            "--auto-approve",
            "--no-wait",
            "--format",
            "json",
            "initech.yaml",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).lines().last(),
        Some(
            "ownership proof under review: the numbers hosted elsewhere are added once it is approved; run apply again later"
        )
    );
    let last: Value = serde_json::from_str(stdout(&output).lines().last().unwrap()).unwrap();
    assert_eq!(
        last,
        json!({"event": "proof_pending", "manifest": "initech.yaml"})
    );
    for line in stdout(&output).lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        crate::support::check_schema("apply-event.schema.json", &event);
    }
    // Only the first apply's two inventory numbers were billed (the state file keeps them).
    assert_eq!(env.billing().await["numbers_added"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_proof_fails_apply_with_its_reason_then_plans_as_an_error() {
    let (env, temp) = initech(|config| {
        config.rules.reject_external = vec!["Initech LLC".to_owned()];
    })
    .await;
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(1));
    let reason = "The documents do not show the enterprise as the holder of the numbers";
    assert!(
        stderr(&output).lines().any(|line| line
            == format!("error: the ownership proof was rejected: {reason}; declare other documents under `reputation.external_verification` and apply again")),
        "{}",
        stderr(&output)
    );
    // The inventory's numbers were added before the wait; the external ones were not.
    assert_eq!(env.billing().await["numbers_added"], 2);
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(
        plan["errors"],
        json!([format!("the ownership proof was rejected: {reason}")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_telnyx_removed_from_another_enterprise_can_be_added_here() {
    let (env, temp) = initech(|_| {}).await;
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(temp.path().join("initech.yaml")).unwrap();
    let (head, _) = text.split_once("  numbers:\n").unwrap();
    let other = format!("{head}  numbers:\n    - \"+13125550151\"\n")
        .replace("legal_name: Initech LLC", "legal_name: Initrode Inc");
    std::fs::write(temp.path().join("initrode.yaml"), other).unwrap();
    let plan_other = || async {
        let output = telrep_against(
            &env,
            temp.path(),
            &["plan", "--format", "json", "initrode.yaml"],
        )
        .await;
        let plan = serde_json::from_slice::<Value>(&output.stdout).unwrap();
        crate::plan::check_plan_schema(&plan);
        plan
    };
    let plan = plan_other().await;
    assert_eq!(plan["diagnostics"][0]["rule"], "monitored_elsewhere");
    let (status, body) = control(
        &env,
        "ownership",
        json!({"phone_number": "+13125550151", "ownership_status": "removed"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Still listed in Initech as `removed`, but no longer monitored there.
    let plan = plan_other().await;
    assert_eq!(plan["errors"], json!([]));
    assert_eq!(
        outline(&plan).last().map(String::as_str),
        Some("add_numbers +13125550151")
    );
    let confirm = |files: &'static [&'static str]| {
        let env = &env;
        let dir = temp.path();
        async move {
            let mut args = vec!["ownership", "confirm"];
            args.extend_from_slice(files);
            args.extend(["--number", "+13125550151"]);
            let output = telrep_against(env, dir, &args).await;
            (output.status.code(), stdout(&output), stderr(&output))
        }
    };
    // Removed here, and not monitored anywhere else yet: nothing to answer.
    assert_eq!(
        confirm(&["initech.yaml"]).await,
        (
            Some(0),
            "`+13125550151`: skipped, Telnyx removed it from monitoring in `Initech LLC`, so there is nothing to confirm; `telrep apply` adds it again\n".to_owned(),
            String::new()
        )
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &["apply", "--auto-approve", "initrode.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Monitored in Initrode, still listed as removed in Initech: the live entry wins,
    // whichever manifest is read last.
    for files in [
        &["initrode.yaml", "initech.yaml"][..],
        &["initech.yaml", "initrode.yaml"],
    ] {
        assert_eq!(
            confirm(files).await,
            (
                Some(0),
                "`+13125550151`: skipped, ownership is `verified` in `Initrode Inc` (nothing to confirm)\n".to_owned(),
                String::new()
            ),
            "{files:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_telnyx_removed_is_added_again_and_a_flagged_one_is_confirmed() {
    let (env, temp) = initech(|_| {}).await;
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (status, body) = control(
        &env,
        "ownership",
        json!({"phone_number": "+13125550151", "ownership_status": "removed"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let removed_at = body["data"]["removed_at"].as_str().unwrap().to_owned();
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(outline(&plan), ["add_numbers +13125550151"]);
    assert_eq!(
        plan["steps"][0]["reason"],
        format!(
            "batch 1 of 1: 1 number hosted elsewhere, no longer monitored: Telnyx removed it from monitoring, added again: `+13125550151` (unconfirmed_ownership, {removed_at})"
        )
    );
    let output = apply(&env, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(converged(&env, temp.path()).await, 0);

    let (status, body) = control(
        &env,
        "ownership",
        json!({"phone_number": "+13125550150", "ownership_status": "pending_confirmation", "confirm_by": "2030-01-04T07:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let plan = plan_json(&env, temp.path()).await;
    assert_eq!(plan["steps"], json!([]));
    assert_eq!(
        plan["warnings"],
        json!([{
            "rule": "ownership_unconfirmed",
            "message": "`+13125550150` ownership is `pending_confirmation` (carrier_changed): confirm it by 2030-01-04T07:00:00Z with `telrep ownership confirm initech.yaml --number +13125550150`, or Telnyx removes it from monitoring",
            "phone_number": "+13125550150",
            "confirm_by": "2030-01-04T07:00:00Z"
        }])
    );
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "ownership",
            "confirm",
            "initech.yaml",
            "--number",
            "+13125550150",
        ],
    )
    .await;
    assert_eq!(
        (output.status.code(), stdout(&output).as_str()),
        (
            Some(0),
            "`+13125550150`: ownership confirmed, now `verified`\n"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(plan_json(&env, temp.path()).await["warnings"], json!([]));
    // Nothing to answer any more (skipped), and a number that is not the enterprise's:
    // neither is sent.
    env.clear_requests().await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "ownership",
            "confirm",
            "initech.yaml",
            "--number",
            "+13125550150",
            "--number",
            "+13125550199",
        ],
    )
    .await;
    assert_eq!(
        (
            output.status.code(),
            stdout(&output).as_str(),
            stderr(&output).as_str()
        ),
        (
            Some(1),
            "`+13125550150`: skipped, ownership is `verified` in `Initech LLC` (nothing to confirm)\n",
            "error: `+13125550199` is not a number of the manifests' enterprises: nothing was sent for it\n"
        )
    );
    assert!(
        env.requests()
            .await
            .iter()
            .all(|(method, ..)| method == "GET"),
        "{:?}",
        env.requests().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ownership_webhook_is_set_and_cleared_and_must_be_https() {
    let (env, temp) = initech(|_| {}).await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "ownership",
            "webhook",
            "initech.yaml",
            "--url",
            "https://hooks.initech.example/telnyx",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).lines().next(),
        Some(
            "error: no enterprise has legal_name `Initech LLC` (or the manifest's `id`): run `telrep apply` for `initech.yaml` first"
        )
    );
    assert_eq!(apply(&env, temp.path()).await.status.code(), Some(0));
    env.clear_requests().await;
    let output = telrep_against(
        &env,
        temp.path(),
        &[
            "ownership",
            "webhook",
            "initech.yaml",
            "--url",
            "http://hooks.initech.example/telnyx",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: `--url http://hooks.initech.example/telnyx` is not an https URL: Telnyx delivers ownership events over https only\n"
    );
    assert_eq!(env.requests().await, Vec::new());
    for (args, said) in [
        (
            vec!["--url", "https://hooks.initech.example/telnyx"],
            "ownership events for `Initech LLC` go to https://hooks.initech.example/telnyx\n",
        ),
        (
            vec!["--clear"],
            "ownership events for `Initech LLC` are no longer sent\n",
        ),
    ] {
        let mut all = vec!["ownership", "webhook", "initech.yaml"];
        all.extend(args);
        let output = telrep_against(&env, temp.path(), &all).await;
        assert_eq!(
            (output.status.code(), stdout(&output).as_str()),
            (Some(0), said),
            "{}",
            stderr(&output)
        );
    }
    let patches: Vec<(String, u16)> = env
        .requests()
        .await
        .into_iter()
        .filter(|(method, ..)| method == "PATCH")
        .map(|(_, path, _, status)| (path.rsplit('/').next().unwrap().to_owned(), status))
        .collect();
    assert_eq!(
        patches,
        [("webhook".to_owned(), 200), ("webhook".to_owned(), 200)]
    );
}

/// A submission of the ownership proof.
fn is_submit(seen: &Seen) -> bool {
    seen.method == "POST" && seen.path.ends_with("/external_verification")
}

/// A 500 instead of the first submission's answer: the sandbox made it, apply never hears.
fn first_submit_lost(seen: &Seen, before: &[Seen]) -> Option<(u16, String)> {
    (is_submit(seen) && !before.iter().any(is_submit)).then(|| {
        (
            500,
            r#"{"errors":[{"code":"10007","title":"Unexpected error"}]}"#.to_owned(),
        )
    })
}

/// `apply --auto-approve initech.yaml` through `proxy`.
async fn apply_through(proxy: &Proxy, directory: &Path) -> std::process::Output {
    telrep_at(
        proxy.base_url(),
        directory,
        &["apply", "--auto-approve", "initech.yaml"],
    )
    .await
}

/// The first submission of the ownership proof is made, but apply hears a 500; the review
/// approves it at once, so the resend is refused (400: an approved proof cannot change).
/// apply reads the proof back: approved with these very documents is the step done.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_a_proof_approved_before_its_resend_is_the_step_done() {
    let (env, temp) = initech(|config| config.rules.approve_after_ms = 0).await;
    let proxy = Proxy::answering(env.upstream(), first_submit_lost).await;
    let output = apply_through(&proxy, temp.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "re-read after an ambiguous failure: the ownership proof with these documents is approved"
        ),
        "{}",
        stderr(&output)
    );
    let submits: Vec<Option<u16>> = proxy
        .log()
        .borrow()
        .iter()
        .filter(|seen| is_submit(seen))
        .map(|seen| seen.status)
        .collect();
    assert_eq!(submits, [Some(201), Some(400)]);
    assert_eq!(converged(&env, temp.path()).await, 0);
    assert_eq!(env.billing().await["numbers_added"], 5);
}

/// As above, but the proof read back holds other documents: the 400 stands, apply stops.
#[tokio::test(flavor = "multi_thread")]
async fn issue_16_a_refused_resend_of_another_proof_stops_apply() {
    let (env, temp) = initech(|config| config.rules.approve_after_ms = 0).await;
    let proxy = Proxy::answering(env.upstream(), |seen, before| {
        let read_back = seen.method == "GET"
            && seen.path.ends_with("/external_verification")
            && before
                .iter()
                .any(|earlier| is_submit(earlier) && earlier.status == Some(400));
        first_submit_lost(seen, before).or_else(|| {
            read_back.then(|| {
                (
                    200,
                    json!({"data": {"status": "approved", "document_ids": ["another-document"]}})
                        .to_string(),
                )
            })
        })
    })
    .await;
    let output = apply_through(&proxy, temp.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("400 External verification already approved"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.billing().await["numbers_added"], 0);
}
