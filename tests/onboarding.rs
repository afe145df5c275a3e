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
    assert_eq!(blocks.len(), 5, "the tutorial's steps");
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
    // The last block: a plan with nothing left to do, then the report of both numbers.
    let report = outputs.last().unwrap();
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
