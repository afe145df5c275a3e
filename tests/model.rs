//! Model-based tests: a random live account (an enterprise or none, its numbers, some
//! hosted elsewhere behind an ownership proof, its check frequency, reviews that take a
//! while or none) and a random manifest (numbers kept, added
//! and dropped, `prune` or not, a frequency), then one `plan` and one `apply` of the manifest
//! against the sandbox, with or without injected faults. The model says what the account
//! must hold afterwards; the sandbox's state, read through a fault-free sandbox, must hold
//! exactly that, a new plan must be empty, and what the sandbox billed must be what the plan
//! said apply would bill.
//!
//! The mass-removal rail is passed (`--allow-mass-removal`): it has tests of its own, and
//! here a prune may drop any share of the numbers. `MODEL_CASES` cases (README,
//! "Reliability"); `TELREP_MODEL_CASES=N` runs N instead (the
//! long run). A failure proptest shrinks becomes a named test below the property.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

use crate::support::api::{Env, config_with_inventory, telrep_against as telrep};
use crate::support::{fixtures, render};

/// Cases in a default run (each runs two or three sandboxes and four or five processes).
const MODEL_CASES: u32 = 8;

/// Numbers the account's inventory holds; live and wanted numbers are ranges of it.
const POOL: usize = 2_000;

/// Numbers hosted elsewhere (not in the inventory), after the pool: monitored once the
/// enterprise's ownership proof is approved.
const HOSTED: usize = 150;

const FREQUENCIES: [&str; 6] = [
    "business_daily",
    "daily",
    "weekly",
    "biweekly",
    "monthly",
    "never",
];

/// One case: what the account holds before, and what the manifest wants.
#[derive(Debug, Clone)]
struct Case {
    /// The live account: `None` for no enterprise yet, else its numbers (a range of the
    /// pool), those hosted elsewhere (a range of `HOSTED`) and its check frequency, made by
    /// an earlier apply.
    live: Option<(std::ops::Range<usize>, std::ops::Range<usize>, &'static str)>,
    /// The manifest's numbers, and those hosted elsewhere.
    wanted: std::ops::Range<usize>,
    wanted_hosted: std::ops::Range<usize>,
    prune: bool,
    frequency: &'static str,
    /// Vetting and each LOA review take this long (0: approved at once).
    review_ms: i64,
    /// 10 % 5xx, 5 % resets and a 15/s rate limit during the plan and the apply.
    faults: bool,
    seed: u64,
}

fn range(size: usize) -> impl Strategy<Value = std::ops::Range<usize>> {
    (0..=size).prop_flat_map(move |start| (start..=size).prop_map(move |end| start..end))
}

/// A range of the hosted numbers: none in half the cases.
fn hosted() -> impl Strategy<Value = std::ops::Range<usize>> {
    prop_oneof![Just(0..0), range(HOSTED)]
}

fn frequency() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&FREQUENCIES[..])
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::option::of((range(POOL), hosted(), frequency())),
        (range(POOL), hosted()),
        any::<bool>(),
        frequency(),
        prop_oneof![Just(0_i64), Just(400)],
        any::<bool>(),
        0_u64..1_000,
    )
        .prop_map(
            |(live, (wanted, wanted_hosted), prune, frequency, review_ms, faults, seed)| Case {
                live,
                wanted,
                wanted_hosted,
                prune,
                frequency,
                review_ms,
                faults,
                seed,
            },
        )
}

/// Writes the manifest wanting `numbers` (in `fleet.txt`) with `prune` and `frequency`,
/// and the ownership proof when `proof` (an approved proof is locked, so once declared it
/// stays).
fn write_manifest(directory: &Path, numbers: &[String], prune: bool, frequency: &str, proof: bool) {
    let list = if numbers.is_empty() {
        "  numbers: []\n".to_owned()
    } else {
        std::fs::write(directory.join("fleet.txt"), numbers.join("\n") + "\n").unwrap();
        "  numbers:\n    - file: fleet.txt\n".to_owned()
    };
    let proof = if proof {
        std::fs::write(
            directory.join("invoice.pdf"),
            "%PDF-1.4\n% a carrier invoice for the model tests\n%%EOF\n",
        )
        .unwrap();
        "  external_verification:\n    files: [invoice.pdf]\n"
    } else {
        ""
    };
    let manifest = std::fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace(
            "  numbers:\n    - \"+12025551234\"\n",
            &format!("{list}  prune: {prune}\n  check_frequency: {frequency}\n{proof}"),
        );
    std::fs::write(directory.join("acme.yaml"), manifest).unwrap();
}

/// A sandbox on the case's state file, with the pool in its inventory.
async fn sandbox(pool: &[String], state: &Path, case: &Case, faults: bool) -> Env {
    let refs: Vec<&str> = pool.iter().map(String::as_str).collect();
    let mut config = config_with_inventory(&refs);
    config.state_file = Some(state.to_path_buf());
    config.rules.seed = case.seed;
    config.rules.approve_after_ms = case.review_ms;
    if faults {
        crate::support::api::trial_faults(&mut config);
    }
    Env::start(config).await
}

/// What the sandbox billed: enables and numbers added.
async fn billed(env: &Env) -> (u64, u64) {
    let billing = env.billing().await;
    (
        billing["enable"].as_u64().unwrap(),
        billing["numbers_added"].as_u64().unwrap(),
    )
}

/// Runs one case; `Err` says what differed from the model.
async fn run(case: &Case) -> Result<(), String> {
    let everything = crate::support::fleet::fleet_numbers(POOL + HOSTED);
    let (pool, hosted) = everything.split_at(POOL);
    let workspace = tempfile::tempdir().unwrap();
    let directory = workspace.path();
    std::fs::create_dir_all(directory.join("loa")).unwrap();
    std::fs::copy(
        fixtures().join("loa/signed.pdf"),
        directory.join("loa/signed.pdf"),
    )
    .unwrap();
    let state = directory.join("state.json");
    let slice = |numbers: &std::ops::Range<usize>, elsewhere: &std::ops::Range<usize>| {
        let mut all = pool[numbers.clone()].to_vec();
        all.extend_from_slice(&hosted[elsewhere.clone()]);
        all
    };
    let live_proof = case
        .live
        .as_ref()
        .is_some_and(|(_, elsewhere, _)| !elsewhere.is_empty());
    // The live account, made by an apply of an earlier manifest, without faults.
    let live: BTreeSet<String> = match &case.live {
        Some((numbers, elsewhere, frequency)) => {
            let env = sandbox(pool, &state, case, false).await;
            write_manifest(
                directory,
                &slice(numbers, elsewhere),
                true,
                frequency,
                live_proof,
            );
            let made = telrep(&env, directory, &["apply", "--auto-approve", "acme.yaml"]).await;
            env.sandbox.shutdown().await;
            if made.status.code() != Some(0) {
                return Err(format!("setting up the live account:\n{}", render(&made)));
            }
            slice(numbers, elsewhere).into_iter().collect()
        }
        None => BTreeSet::new(),
    };
    let wanted_list = slice(&case.wanted, &case.wanted_hosted);
    let wanted: BTreeSet<String> = wanted_list.iter().cloned().collect();
    let proof = live_proof || !case.wanted_hosted.is_empty();
    write_manifest(directory, &wanted_list, case.prune, case.frequency, proof);
    // The plan and the apply, under the case's faults.
    let env = sandbox(pool, &state, case, case.faults).await;
    let before = billed(&env).await;
    let planned = telrep(
        &env,
        directory,
        &[
            "plan",
            "--format",
            "json",
            "--max-retries",
            "5",
            "--allow-mass-removal",
            "acme.yaml",
        ],
    )
    .await;
    let plan: Value = serde_json::from_slice(&planned.stdout)
        .map_err(|error| format!("the plan is not JSON ({error}):\n{}", render(&planned)))?;
    let applied = telrep(
        &env,
        directory,
        &[
            "apply",
            "--auto-approve",
            "--allow-mass-removal",
            "acme.yaml",
        ],
    )
    .await;
    let after = billed(&env).await;
    env.sandbox.shutdown().await;
    if applied.status.code() != Some(0) {
        return Err(format!("one apply did not converge:\n{}", render(&applied)));
    }
    // What the account holds, read without faults.
    let env = sandbox(pool, &state, case, false).await;
    let enterprises = env.enterprises().await;
    let monitored: BTreeSet<String> = match enterprises.first() {
        Some(id) => env.monitored(id).await.into_iter().collect(),
        None => BTreeSet::new(),
    };
    let replanned = telrep(
        &env,
        directory,
        &["plan", "--detailed-exitcode", "acme.yaml"],
    )
    .await;
    env.sandbox.shutdown().await;
    let expected: BTreeSet<String> = if case.prune {
        wanted.clone()
    } else {
        wanted.union(&live).cloned().collect()
    };
    let adds = wanted.difference(&live).count() as u64;
    let enables = u64::from(case.live.is_none());
    let summary = &plan["summary"];
    let mut problems = Vec::new();
    if summary.is_null() {
        problems.push(format!("the plan was not made: {}", plan["errors"]));
    }
    if enterprises.len() != 1 {
        problems.push(format!("{} enterprises", enterprises.len()));
    }
    if monitored != expected {
        problems.push(format!(
            "monitored {} numbers, the model {} ({} missing, {} extra)",
            monitored.len(),
            expected.len(),
            expected.difference(&monitored).count(),
            monitored.difference(&expected).count()
        ));
    }
    if replanned.status.code() != Some(0) {
        problems.push(format!(
            "the plan after apply is not empty:\n{}",
            render(&replanned)
        ));
    }
    if summary["add_numbers"].as_u64() != Some(adds) {
        problems.push(format!(
            "the plan adds {}, the model {adds}",
            summary["add_numbers"]
        ));
    }
    let billed_now = (after.0 - before.0, after.1 - before.1);
    if billed_now != (enables, adds) {
        problems.push(format!(
            "billed {billed_now:?} (enables, numbers), the model {:?}",
            (enables, adds)
        ));
    }
    // The built-in prices: $100 an enable, $0.10 a number's first check.
    let cents = billed_now.0 * 10_000 + billed_now.1 * 10;
    let planned_cents = summary["apply_total"]
        .as_f64()
        .map(|dollars| (dollars * 100.0).round());
    if planned_cents != Some(cents as f64) {
        problems.push(format!(
            "billed {cents} cents, the plan said {}",
            summary["apply_total"]
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn cases() -> u32 {
    std::env::var("TELREP_MODEL_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(MODEL_CASES)
}

#[test]
fn plan_and_apply_reach_what_the_manifest_says_from_any_account() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = ProptestConfig {
        cases: cases(),
        max_shrink_iters: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(case in case())| {
        let outcome = runtime.block_on(run(&case));
        prop_assert!(outcome.is_ok(), "{case:?}\n{}", outcome.unwrap_err());
    });
}

/// Shrunk from a run of the property (it failed on the test's own plan, made without
/// `--allow-mass-removal`): a prune of every live number, some hosted elsewhere, planned and
/// applied under faults.
#[tokio::test(flavor = "multi_thread")]
async fn model_pruning_every_live_number_under_faults_with_numbers_hosted_elsewhere() {
    let case = Case {
        live: Some((71..105, 92..120, "weekly")),
        wanted: 334..980,
        wanted_hosted: 51..73,
        prune: true,
        frequency: "daily",
        review_ms: 0,
        faults: true,
        seed: 229,
    };
    let outcome = run(&case).await;
    assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
}

/// From a CI run of the property: the ownership proof's submission went through, its answer
/// was lost, and the review (400 ms) approved it before the retry, which the API refuses
/// (400: already approved); apply stopped at that step.
#[tokio::test(flavor = "multi_thread")]
async fn model_a_proof_approved_before_its_lost_answer_is_retried() {
    let case = Case {
        live: None,
        wanted: 94..403,
        wanted_hosted: 24..48,
        prune: false,
        frequency: "never",
        review_ms: 400,
        faults: true,
        seed: 540,
    };
    let outcome = run(&case).await;
    assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
}
