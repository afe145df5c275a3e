//! `telrep apply` against an in-process sandbox: convergence, idempotence, rejected vetting,
//! refused numbers, stale saved plans, the LOA cascade, --no-wait, and confirmation.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::support::api::{Env, config_with_inventory, telrep_against as telrep, workspace};
use crate::support::fixtures;

/// `telrep apply --auto-approve acme.yaml` against `base`, in the background, stderr kept.
fn spawn_apply(base: &str, directory: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args(["apply", "--auto-approve", "acme.yaml", "--api-url", base])
        .current_dir(directory)
        .env("TELNYX_API_KEY", "test")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends SIGTERM to `child` and waits for it to end.
async fn terminate(child: std::process::Child) -> Output {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// stderr without the `HH:MM:SS ` prefix of progress lines.
fn progress(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|line| {
            let bytes = line.as_bytes();
            if bytes.len() > 9 && bytes[2] == b':' && bytes[5] == b':' && bytes[8] == b' ' {
                line[9..].to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn writes(env: &Env) -> Vec<String> {
    env.requests()
        .await
        .into_iter()
        .filter(|(method, ..)| method != "GET")
        .map(|(method, path, _, status)| format!("{method} {path} {status}"))
        .collect()
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
    assert_eq!(output.status.code(), Some(0), "{}", progress(&output));
    insta::assert_snapshot!(progress(&output), @"
    [1/6] + accept_terms POST /terms_of_service/number_reputation/agree
    [1] accept_terms done
    [2/6] + create_enterprise POST /enterprises
    [2] create_enterprise done: enterprise id `200315be-b054-4eab-8914-d939a11204a5`
    [3/6] + upload_loa POST /documents
    [3] upload_loa done: LOA document id `226d2a26-ba7a-4d06-b7b8-ca597e77887e`
    [4/6] + enable_reputation POST /enterprises/{enterprise_id}/reputation
    [4] enable_reputation done
    [5/6] = wait_for_vetting GET /enterprises/{enterprise_id}/reputation
    [5] wait_for_vetting done
    [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [6] add_numbers done
    Apply complete. The account matches the manifest.
    ");
    assert_eq!(
        env.billing().await,
        json!({"enable": 1, "numbers_added": 3, "fresh_lookups": 0, "first_lookups": 0, "refreshes": 0})
    );
    env.clear_requests().await;
    let again = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        writes(&env).await,
        Vec::<String>::new(),
        "a converged account gets zero write calls"
    );
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).lines().last(),
        Some("No changes. The account matches the manifest.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_events_and_confirmation() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    let refused = telrep(&env, workspace.path(), &["apply", "acme.yaml"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        progress(&refused),
        "error: apply makes 6 calls and was not confirmed: pass --auto-approve when not on a terminal"
    );
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
    assert_eq!(output.status.code(), Some(1));
    let stderr = progress(&output);
    assert_eq!(
        stderr.lines().last(),
        Some(
            "error: vetting was rejected: The business could not be verified from the details provided; The Letter of Authorization does not match the enterprise"
        )
    );
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
    assert_eq!(output.status.code(), Some(1));
    let stderr = progress(&output);
    assert!(stderr.ends_with("error: the API refused 1 number:\n  +12025550207: `+12025550207` is not eligible for Number Reputation"), "{stderr}");
    assert_eq!(env.billing().await["numbers_added"], 9);
    let (_, listed) = env
        .call("GET", "/reputation/numbers?page[size]=250", None)
        .await;
    let monitored: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(monitored.len(), 9);
    assert!(!monitored.contains(&"+12025550207"));
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
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        progress(&output),
        "error: refusing the saved plan: the account changed since the plan was saved; run `telrep plan --out FILE` again and review it"
    );
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
    assert_eq!(applied.status.code(), Some(0), "{}", progress(&applied));
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
    assert_eq!(stale.status.code(), Some(1));
    assert_eq!(
        progress(&stale),
        "error: refusing the saved plan: `acme.yaml` changed since the plan was saved; run `telrep plan --out FILE` again and review it"
    );
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
    assert_eq!(stale.status.code(), Some(1));
    assert_eq!(
        progress(&stale),
        "error: refusing the saved plan: `loa/signed.pdf` changed since the plan was saved; run `telrep plan --out FILE` again and review it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replacing_an_approved_loa_goes_through_the_cascade() {
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    let workspace = workspace(&NUMBERS, "");
    assert_eq!(
        telrep(
            &env,
            workspace.path(),
            &["apply", "--auto-approve", "acme.yaml"]
        )
        .await
        .status
        .code(),
        Some(0)
    );
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
    assert_eq!(refused.status.code(), Some(1));
    let output = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "--allow-disable", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", progress(&output));
    let actions: Vec<String> = progress(&output)
        .lines()
        .filter(|line| line.contains("] ") && (line.ends_with(" done") || line.contains(" done: ")))
        .map(|line| line.split_whitespace().nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "upload_loa",
            "disable_reputation",
            "enable_reputation",
            "wait_for_vetting",
            "add_numbers"
        ]
    );
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
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        progress(&output).lines().last(),
        Some("vetting pending: run apply again later")
    );
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
    assert_eq!(timeout.status.code(), Some(3));
    let finished = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(finished.status.code(), Some(0), "{}", progress(&finished));
    assert_eq!(
        env.billing().await,
        json!({"enable": 1, "numbers_added": 3, "fresh_lookups": 0, "first_lookups": 0, "refreshes": 0})
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

/// Inspects a sandbox state file through a fault-free sandbox: enterprises, enables billed,
/// and the numbers monitored.
async fn inspect(state: &Path) -> (usize, u64, Vec<String>) {
    let mut config = telrep::sandbox::SandboxConfig::local();
    config.state_file = Some(state.to_path_buf());
    let env = Env::start(config).await;
    let (_, enterprises) = env.call("GET", "/enterprises?page[size]=250", None).await;
    let enable = env.billing().await["enable"].as_u64().unwrap();
    let mut numbers = Vec::new();
    for page in 1.. {
        let (_, listed) = env
            .call(
                "GET",
                &format!("/reputation/numbers?page[size]=250&page[number]={page}"),
                None,
            )
            .await;
        let data = listed["data"].as_array().unwrap().clone();
        if data.is_empty() {
            break;
        }
        numbers.extend(
            data.iter()
                .map(|item| item["phone_number"].as_str().unwrap().to_owned()),
        );
    }
    numbers.sort();
    (
        enterprises["meta"]["total_results"].as_u64().unwrap() as usize,
        enable,
        numbers,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_do_not_stop_convergence_or_double_bill() {
    let (workspace, mut numbers) = fleet_workspace(2_000);
    let state = workspace.path().join("state.json");
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.state_file = Some(state.clone());
    config.rules.seed = 11;
    config.faults.error_rate = 0.10;
    config.faults.reset_rate = 0.05;
    config.faults.rate_limit = Some(15);
    let env = Env::start(config).await;
    // A pipeline runs apply again until it converges; every run must be safe.
    let mut codes = Vec::new();
    for _ in 0..8 {
        let output = telrep(
            &env,
            workspace.path(),
            &["apply", "--auto-approve", "acme.yaml"],
        )
        .await;
        codes.push(output.status.code());
        if output.status.code() == Some(0) {
            break;
        }
    }
    assert_eq!(codes.last(), Some(&Some(0)), "never converged: {codes:?}");
    let statuses: Vec<u16> = env
        .requests()
        .await
        .into_iter()
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
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args([
                "apply",
                "--auto-approve",
                "--concurrency",
                "1",
                "acme.yaml",
                "--api-url",
                &env.base(),
            ])
            .current_dir(workspace.path())
            .env("TELNYX_API_KEY", "test")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // SIGKILL as soon as the sandbox has served `kill_after` requests.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if env.requests().await.len() >= kill_after || std::time::Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::task::yield_now().await;
        }
        let _ = child.wait();
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
            progress(&output)
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
    let (workspace, mut numbers) = fleet_workspace(1_000);
    numbers.sort();
    let state = workspace.path().join("state.json");
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.state_file = Some(state.clone());
    config.faults.latency = Some((
        std::time::Duration::from_millis(60),
        std::time::Duration::from_millis(60),
    ));
    let env = Env::start(config).await;
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args([
            "apply",
            "--auto-approve",
            "--concurrency",
            "2",
            "acme.yaml",
            "--api-url",
            &env.base(),
        ])
        .current_dir(workspace.path())
        .env("TELNYX_API_KEY", "test")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the first add call has been answered, send SIGTERM.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let adds = env
            .requests()
            .await
            .iter()
            .filter(|(method, path, _, status)| {
                method == "POST" && path.ends_with("/reputation/numbers") && *status == 201
            })
            .count();
        if adds >= 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no add call within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let output = terminate(child).await;
    assert_eq!(output.status.code(), Some(143), "{}", progress(&output));
    let stderr = progress(&output);
    let last = stderr.lines().last().unwrap();
    assert!(
        last.starts_with("interrupted: ")
            && last.ends_with(" not started; run apply again to finish"),
        "{last}"
    );
    let added = env.billing().await["numbers_added"].as_u64().unwrap();
    assert!(added > 0 && added < 1_000, "stopped part way: {added}");
    let rerun = telrep(
        &env,
        workspace.path(),
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(rerun.status.code(), Some(0), "{}", progress(&rerun));
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
    let screen = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert!(
        screen.contains("add_numbers [========================================] 3/3 numbers"),
        "{screen}"
    );
    let lines: Vec<&str> = screen
        .lines()
        .map(|line| line.rsplit("\u{1b}[2K").next().unwrap_or(line))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.len() > 9 && line[9..].starts_with("add_numbers: 3 numbers in ")),
        "{screen}"
    );
    assert!(
        lines.iter().any(|line| line.len() > 9
            && line[9..].starts_with("[2] create_enterprise done: enterprise id `")),
        "{screen}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("Apply complete. The account matches the manifest.")
    );
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
    let base = server.base_url();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args(["apply", "--auto-approve", "--api-url", &base, "acme.yaml"])
            .current_dir(workspace.path())
            .env("TELNYX_API_KEY", "test-key-not-secret")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(progress(&output), @"
    [1/1] + create_enterprise POST /enterprises
    [1] re-read after an ambiguous failure: the enterprise was not created; sending again
    [1] create_enterprise failed: step 1 (create_enterprise) failed: POST /enterprises: 500 Unexpected error [10007]: try again (the write may or may not have taken effect)
    error: step 1 (create_enterprise) failed
    caused by: POST /enterprises: 500 Unexpected error [10007]: try again (the write may or may not have taken effect)
    note: running apply again is safe: it re-reads the account first and picks up where this one stopped
    ");
    // Created twice at most: once, then once more after the re-read found nothing.
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
        &["apply", "--auto-approve", "acme.yaml"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = progress(&output);
    let tail: Vec<&str> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("[6/6]"))
        .collect();
    insta::assert_snapshot!(tail.join("\n"), @"
    [6/6] + add_numbers POST /enterprises/{enterprise_id}/reputation/numbers
    [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [6] re-read after an ambiguous failure: 0 of 3 numbers of the batch are monitored
    [6] add_numbers failed: step 6 (add_numbers): the batch failed 3 times without a definite answer; not added: +12025550101, +12025550102, +12025550103: POST /enterprises/200315be-b054-4eab-8914-d939a11204a5/reputation/numbers: 500 Unexpected error [10007]: sandbox: injected server error (the write may or may not have taken effect)
    error: step 6 (add_numbers): the batch failed 3 times without a definite answer; not added: +12025550101, +12025550102, +12025550103
    caused by: POST /enterprises/200315be-b054-4eab-8914-d939a11204a5/reputation/numbers: 500 Unexpected error [10007]: sandbox: injected server error (the write may or may not have taken effect)
    note: running apply again is safe: it re-reads the account first and picks up where this one stopped
    ");
    // The first send and BATCH_RESENDS (2) more, each after a re-read; nothing else.
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
    // Once apply has polled the pending vetting twice (so it is in its backoff), SIGTERM.
    crate::support::api::eventually(60, || async {
        env.requests()
            .await
            .iter()
            .filter(|(method, path, _, _)| method == "GET" && path.ends_with("/reputation"))
            .count()
            >= 2
    })
    .await;
    let output = terminate(child).await;
    assert_eq!(output.status.code(), Some(143), "{}", progress(&output));
    assert_eq!(
        progress(&output).lines().last(),
        Some("interrupted: 4 of 6 steps done, 2 not started; run apply again to finish")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_an_loa_without_sha256_converges_without_cascading() {
    use crate::support::proxy::Proxy;
    let env = Env::start(config_with_inventory(&NUMBERS)).await;
    // A man in the middle takes `sha256` out of every document, as the API's schema allows.
    let proxy = Proxy::start(
        format!("http://{}", env.sandbox.address()),
        |method, path, _, body| {
            if method != "GET" || !path.starts_with("/v2/documents/") {
                return body;
            }
            let mut value: Value = serde_json::from_slice(&body).unwrap();
            value["data"].as_object_mut().unwrap().remove("sha256");
            serde_json::to_vec(&value).unwrap()
        },
    )
    .await;
    let workspace = workspace(&NUMBERS, "");
    let apply = || {
        let base = proxy.base_url();
        let directory = workspace.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
                .args(["apply", "--auto-approve", "--allow-disable", "acme.yaml"])
                .args(["--api-url", &base])
                .current_dir(directory)
                .env("TELNYX_API_KEY", "test")
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
        })
    };
    for run in 0..3 {
        let output = apply().await.unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "run {run}: {}",
            progress(&output)
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
    // Slow enough that the batch's re-reads and resends outlast the signal.
    config.faults.latency = Some((
        std::time::Duration::from_millis(300),
        std::time::Duration::from_millis(300),
    ));
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&env.base(), workspace.path());
    let failed_adds = || async {
        env.requests()
            .await
            .iter()
            .filter(|(method, path, _, status)| {
                method == "POST" && path.ends_with("/reputation/numbers") && *status == 500
            })
            .count()
    };
    crate::support::api::eventually(60, || async { failed_adds().await >= 1 }).await;
    let output = terminate(child).await;
    assert_eq!(output.status.code(), Some(143), "{}", progress(&output));
    assert!(
        failed_adds().await < 3,
        "stopped before the batch's budget ran out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_a_failing_wait_names_its_step() {
    let mut config = config_with_inventory(&NUMBERS);
    config.rules.approve_after_ms = 3_600_000;
    let env = Env::start(config).await;
    let workspace = workspace(&NUMBERS, "");
    let child = spawn_apply(&env.base(), workspace.path());
    // Once apply waits for vetting, reputation is disabled behind its back.
    let polls = || async {
        env.requests()
            .await
            .iter()
            .filter(|(method, path, _, _)| method == "GET" && path.ends_with("/reputation"))
            .map(|(_, path, _, _)| path.clone())
            .collect::<Vec<_>>()
    };
    crate::support::api::eventually(60, || async { !polls().await.is_empty() }).await;
    let path = polls().await[0].trim_start_matches("/v2").to_owned();
    assert_eq!(env.call("DELETE", &path, None).await.0, 204);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = progress(&output);
    let tail: Vec<&str> = stderr.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "error: step 5 (wait_for_vetting): reputation is not enabled",
            "[5] wait_for_vetting failed: step 5 (wait_for_vetting): reputation is not enabled",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_9_sigterm_while_apply_reads_the_account_exits_143() {
    // A server that accepts connections and never answers: apply waits on its first read.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(socket);
        }
    });
    let workspace = workspace(&NUMBERS, "");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args(["apply", "--auto-approve", "acme.yaml", "--api-url"])
        .arg(format!("http://{address}/v2"))
        .current_dir(workspace.path())
        .env("TELNYX_API_KEY", "test-key-not-secret")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    crate::support::api::eventually(60, || async {
        accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1
    })
    .await;
    let output = terminate(child).await;
    assert_eq!(output.status.code(), Some(143), "{}", progress(&output));
    assert_eq!(
        progress(&output).lines().last(),
        Some("interrupted while reading the account, before any change; run apply again")
    );
}
