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
