//! Onboarding against the sandbox: `telrep loa render` before and after the enterprise
//! exists, and the rendered PDF accepted as `loa.file` by the apply that enables.

use crate::support::api::{Env, config_with_inventory, converge, telrep_against};

const NUMBER: &str = "+12025550301";

/// A directory with `acme.yaml`: Acme Corp with Number Reputation disabled.
fn disabled_workspace() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(crate::support::fixtures().join("valid_disabled.yaml"))
        .unwrap()
        .replace(
            "legal_name: Acme Dormant Corp",
            "legal_name: Acme (US) Corp",
        );
    std::fs::write(temp.path().join("acme.yaml"), manifest).unwrap();
    temp
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rendered_loa_names_the_enterprise_and_enables_it_once_signed() {
    let env = Env::start(config_with_inventory(&[NUMBER])).await;
    let temp = disabled_workspace();
    let render = ["loa", "render", "acme.yaml", "--out", "loa.pdf"];
    // Before the enterprise exists there is nothing to render.
    let output = telrep_against(&env, temp.path(), &render).await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: no enterprise has legal_name `Acme (US) Corp` (or the manifest's `id`), so there is no LOA to render: apply `acme.yaml` with `reputation: {enabled: false}` first, which creates the enterprise without enabling anything (free)
    ");
    assert!(!temp.path().join("loa.pdf").exists());
    // `enabled: false` creates the enterprise without enabling; then the render is free.
    converge(&env, temp.path(), "acme.yaml").await;
    env.clear_requests().await;
    let output = telrep_against(&env, temp.path(), &render).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    let pdf = std::fs::read(temp.path().join("loa.pdf")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "wrote `loa.pdf` ({} bytes): the LOA of `Acme (US) Corp` for signature; sign it, set `loa.file` to the signed PDF and `enabled: true`, then plan and apply\n",
            pdf.len()
        )
    );
    let text = String::from_utf8(pdf).unwrap();
    assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
    assert!(
        text.contains(r"(Enterprise: Acme \(US\) Corp) Tj"),
        "{text}"
    );
    let renders: Vec<(String, u16)> = env
        .requests()
        .await
        .into_iter()
        .filter(|(method, _, _, _)| method == "POST")
        .map(|(_, path, _, status)| (path, status))
        .collect();
    assert_eq!(renders.len(), 1, "{renders:?}");
    assert!(renders[0].0.ends_with("/reputation/loa") && renders[0].1 == 200);
    assert_eq!(env.billing().await["enable"], 0);
    // Signed (the sandbox takes the PDF as it is), named in the manifest, enabled: converged.
    let manifest = temp.path().join("acme.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "reputation:\n  enabled: false\n",
        &format!("reputation:\n  enabled: true\n  loa:\n    file: loa.pdf\n  numbers:\n    - \"{NUMBER}\"\n"),
    );
    std::fs::write(&manifest, text).unwrap();
    converge(&env, temp.path(), "acme.yaml").await;
    let billing = env.billing().await;
    assert_eq!(
        (&billing["enable"], &billing["numbers_added"]),
        (&1.into(), &1.into())
    );
}

/// The `sh` blocks of the README's section `## From the guide to telrep`, in order.
fn tutorial_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();
    let (_, section) = readme
        .split_once("\n## From the guide to telrep\n")
        .unwrap();
    let section = section.split("\n## ").next().unwrap();
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some((_, after)) = rest.split_once("\n```sh\n") {
        let (block, tail) = after.split_once("\n```\n").unwrap();
        blocks.push(block.to_owned());
        rest = tail;
    }
    blocks
}

#[test]
fn the_readme_tutorial_runs() {
    let blocks = tutorial_blocks();
    assert_eq!(blocks.len(), 6, "the tutorial's steps");
    let temp = tempfile::tempdir().unwrap();
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_telrep"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let output = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(temp.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("TELNYX_API_KEY")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "block {}:\n{block}\n{}",
            index + 1,
            crate::support::render(&output)
        );
        outputs.push(String::from_utf8(output.stdout).unwrap());
    }
    // The last block: the account imported beside the manifest, planned clean.
    let imported = std::fs::read_to_string(temp.path().join("acme-corp.yaml")).unwrap();
    assert!(
        imported.ends_with(
            "  check_frequency: weekly\n  numbers:\n    - \"+12025550100\"\n    - \"+12025550101\"\n  prune: false\n"
        ),
        "{imported}"
    );
    assert!(
        outputs[5].starts_with("wrote `./acme-corp.yaml`: the enterprise `Acme Corp` ("),
        "{}",
        outputs[5]
    );
    assert!(
        outputs[5].ends_with("No changes. The account matches the manifest.\n"),
        "{}",
        outputs[5]
    );
    // The block before: a plan with nothing left to do, then the report of both numbers.
    let report = &outputs[4];
    assert!(report.contains("No changes."), "{report}");
    for number in ["+12025550100", "+12025550101"] {
        assert!(report.contains(&format!("  {number}  yes ")), "{report}");
    }
    assert!(
        report.contains("2 numbers: 0 high, 0 medium, 0 low, 0 other, 2 no data"),
        "{report}"
    );
    // The signed LOA is the rendered one, and the sandbox billed one enable and two adds.
    let rendered = std::fs::read(temp.path().join("loa.pdf")).unwrap();
    assert!(rendered.starts_with(b"%PDF-") && rendered.ends_with(b"%%EOF\n"));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(temp.path().join(".telrep/sandbox.json")).unwrap())
            .unwrap();
    assert_eq!(state["billing"]["enable"], 1);
    assert_eq!(state["billing"]["numbers_added"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn loa_render_of_a_directory_of_several_manifests_writes_nothing() {
    let env = Env::start(config_with_inventory(&[NUMBER])).await;
    let temp = disabled_workspace();
    let other = std::fs::read_to_string(temp.path().join("acme.yaml"))
        .unwrap()
        .replace("legal_name: Acme (US) Corp", "legal_name: Initech");
    std::fs::write(temp.path().join("initech.yaml"), other).unwrap();
    let output = telrep_against(
        &env,
        temp.path(),
        &["loa", "render", ".", "--out", "loa.pdf"],
    )
    .await;
    crate::snapshot!(crate::support::render(&output), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: `.` holds 2 manifests, and `loa render` writes one LOA: name the manifest file of the enterprise
    ");
    assert!(!temp.path().join("loa.pdf").exists());
    assert_eq!(env.requests().await.len(), 0, "nothing was asked");
}

/// 120 US local numbers: more than the 50 a manifest lists inline.
fn fleet_of_120() -> Vec<String> {
    (0..120)
        .map(|index| format!("+1202555{:04}", 2000 + index))
        .collect()
}

/// A sandbox whose Acme Corp monitors the 120 numbers, applied from a manifest of them;
/// the enterprise id.
async fn imported_account(env: &Env) -> (tempfile::TempDir, String) {
    let numbers = fleet_of_120();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let workspace = crate::support::api::workspace(&numbers, "  check_frequency: weekly\n");
    let id = converge(env, workspace.path(), "acme.yaml").await;
    (workspace, id)
}

/// The calls of the sandbox's log, counted by method, path and status.
async fn calls(env: &Env) -> Vec<String> {
    let mut calls: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (method, path, _, status) in env.requests().await {
        *calls
            .entry(format!("{method} {path} {status}"))
            .or_default() += 1;
    }
    calls
        .into_iter()
        .map(|(call, count)| format!("{count} × {call}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_manifest_validates_and_plans_clean_with_free_reads_only() {
    let fleet = fleet_of_120();
    let fleet_refs: Vec<&str> = fleet.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&fleet_refs)).await;
    let (_workspace, id) = imported_account(&env).await;
    let billing = env.billing().await;
    env.clear_requests().await;
    let out = tempfile::tempdir().unwrap();
    let import = [
        "import",
        "--out",
        "imported",
        "--schema",
        "../schema/telrep.schema.json",
    ];
    let output = telrep_against(&env, out.path(), &import).await;
    assert_eq!(
        crate::support::render(&output),
        format!(
            "exit: 0\n----- stdout -----\nwrote `imported/acme-corp.yaml`: the enterprise `Acme Corp` ({id}) with 120 monitored numbers in `imported/numbers/acme-corp.txt`; `telrep plan` on it shows no changes\n----- stderr -----\n"
        )
    );
    // Only free reads: the terms, the enterprises, the settings and the number pages.
    assert_eq!(
        calls(&env).await.join("\n"),
        [
            "1 × GET /v2/enterprises 200",
            "1 × GET /v2/enterprises/[ID]/reputation 200",
            "1 × GET /v2/enterprises/[ID]/reputation/numbers 200",
            "1 × GET /v2/terms_of_service/status 200",
        ]
        .join("\n")
        .replace("[ID]", &id)
    );
    let manifest = std::fs::read_to_string(out.path().join("imported/acme-corp.yaml")).unwrap();
    let mut lines = manifest.lines();
    assert_eq!(
        lines.next(),
        Some("# yaml-language-server: $schema=../schema/telrep.schema.json")
    );
    let imported_line = lines.next().unwrap();
    assert!(
        imported_line.starts_with("# Imported by `telrep import` at 20")
            && imported_line.ends_with(&format!(" from the enterprise Acme Corp ({id}).")),
        "{imported_line}"
    );
    assert_eq!(lines.next(), Some("version: 1"));
    assert!(manifest.contains(&format!("  id: \"{id}\"\n  legal_name: Acme Corp\n")));
    let reputation = &manifest[manifest.find("reputation:").unwrap()..];
    let document = reputation
        .split_once("document_id: \"")
        .unwrap()
        .1
        .split_once('"')
        .unwrap()
        .0;
    assert_eq!(
        reputation,
        format!(
            "reputation:\n  enabled: true\n  loa:\n    document_id: \"{document}\"\n  check_frequency: weekly\n  numbers:\n    - file: numbers/acme-corp.txt\n  prune: false\n"
        )
    );
    let listed =
        std::fs::read_to_string(out.path().join("imported/numbers/acme-corp.txt")).unwrap();
    let listed: Vec<&str> = listed
        .lines()
        .filter(|line| !line.starts_with('#'))
        .collect();
    assert_eq!(listed, fleet);

    let output = crate::support::telrep(out.path(), &["validate", "imported"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    env.clear_requests().await;
    let output = telrep_against(
        &env,
        out.path(),
        &["plan", "--detailed-exitcode", "imported/acme-corp.yaml"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("No changes."));
    // The enterprise pinned by id: its GET instead of the filtered listing.
    assert_eq!(
        calls(&env).await.join("\n"),
        [
            "1 × GET /v2/enterprises/[ID] 200",
            "1 × GET /v2/enterprises/[ID]/reputation 200",
            "1 × GET /v2/enterprises/[ID]/reputation/numbers 200",
            "1 × GET /v2/terms_of_service/status 200",
        ]
        .join("\n")
        .replace("[ID]", &id)
    );
    assert_eq!(env.billing().await, billing, "nothing billed");

    // A second import does not overwrite without --force.
    let before = std::fs::read_to_string(out.path().join("imported/acme-corp.yaml")).unwrap();
    let output = telrep_against(&env, out.path(), &import).await;
    crate::snapshot!(crate::support::render(&output), @r"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: `imported/acme-corp.yaml` exists; nothing was written: pass `--force` to overwrite it, or choose another `--out`
    ");
    assert_eq!(
        std::fs::read_to_string(out.path().join("imported/acme-corp.yaml")).unwrap(),
        before
    );
    let mut forced = import.to_vec();
    forced.push("--force");
    let output = telrep_against(&env, out.path(), &forced).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_names_the_enterprises_when_there_are_several() {
    let env = Env::start(config_with_inventory(&[NUMBER])).await;
    let mut ids = Vec::new();
    for legal_name in ["Acme Corp", "Beta Calls LLC"] {
        let mut body = crate::support::api::acme();
        body["legal_name"] = legal_name.into();
        let (status, created) = env.call("POST", "/enterprises", Some(body)).await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["data"]["id"].as_str().unwrap().to_owned());
    }
    let out = tempfile::tempdir().unwrap();
    let output = telrep_against(&env, out.path(), &["import", "--out", "."]).await;
    assert_eq!(
        crate::support::render(&output),
        format!(
            "exit: 1\n----- stdout -----\n----- stderr -----\nerror: the account has 2 enterprises; nothing was written: name one with `--enterprise ID` or `--enterprise LEGAL_NAME`: `Acme Corp` ({}), `Beta Calls LLC` ({})\n",
            ids[0], ids[1]
        )
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    // Named by legal name: the enterprise, not enabled, written disabled.
    let output = telrep_against(
        &env,
        out.path(),
        &["import", "--out", ".", "--enterprise", "Beta Calls LLC"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    let manifest = std::fs::read_to_string(out.path().join("beta-calls-llc.yaml")).unwrap();
    assert!(manifest.contains(&format!(
        "  id: \"{}\"\n  legal_name: Beta Calls LLC\n",
        ids[1]
    )));
    assert!(
        manifest.ends_with("reputation:\n  enabled: false\n"),
        "{manifest}"
    );
    let output = telrep_against(
        &env,
        out.path(),
        &["plan", "--detailed-exitcode", "beta-calls-llc.yaml"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    // By id, in any case.
    let output = telrep_against(
        &env,
        out.path(),
        &[
            "import",
            "--out",
            "by-id",
            "--enterprise",
            &ids[0].to_uppercase(),
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::render(&output)
    );
    assert!(out.path().join("by-id/acme-corp.yaml").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_account_imports_nothing() {
    let out = tempfile::tempdir().unwrap();
    let output = crate::support::api::telrep_at(
        "http://127.0.0.1:1/v2".to_owned(),
        out.path(),
        &["import", "--out", "imported"],
    )
    .await;
    crate::snapshot!(crate::support::render(&output), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    error: cannot read the account at `127.0.0.1:1`; nothing was written: check the network, the key, and `--api-url`, then try again
    caused by: GET /terms_of_service/status: could not connect
    caused by: client error (Connect)
    caused by: tcp connect error
    caused by: Connection refused (os error 111)
    ");
    assert!(!out.path().join("imported").exists());
}
