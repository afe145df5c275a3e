//! `telrep plan`: load and validate every manifest (no request if any is invalid), observe
//! the account, diff, render, and exit 0 / 1 / 2.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::StreamExt;

use super::args::{ConnectionArgs, PlanArgs, PlanFormat};
use super::{ExitCode, api_settings, render_diagnostic};
use crate::manifest::{self, LoadOptions};
use crate::model::{Desired, ReputationSpec};
use crate::plan::render::{self, RenderOptions};
use crate::plan::{Plan, PlanOptions, Prices};
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::telnyx::{ApiKey, Client, ClientConfig};

/// Plans every manifest named.
pub fn run(args: &PlanArgs) -> ExitCode {
    let mut stderr = anstream::stderr();
    let desireds = match load_all(&args.paths, args.allow_outside_paths, &args.exclude) {
        Ok(desireds) => desireds,
        Err(code) => return code,
    };
    let prices = match &args.prices {
        None => Prices::default(),
        Some(path) => match read_prices(path) {
            Ok(prices) => prices,
            Err(message) => {
                let _ = writeln!(stderr, "error: {message}");
                return ExitCode::Failure;
            }
        },
    };
    let Some(runtime) = super::runtime() else {
        return ExitCode::Failure;
    };
    let plans = runtime.block_on(async {
        let (client, sandbox) = match connect(&args.connection, &desireds).await {
            Ok(connection) => connection,
            Err(message) => {
                let _ = writeln!(anstream::stderr(), "error: {message}");
                return None;
            }
        };
        let options = args.rails.options();
        let plans: Vec<Plan> = futures::stream::iter(desireds.iter())
            .map(|desired| plan_one(&client, desired, options, prices))
            .buffered(4)
            .collect()
            .await;
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        Some(plans)
    });
    let Some(plans) = plans else {
        return ExitCode::Failure;
    };
    let shown: Vec<Plan> = if args.show_sensitive {
        plans.clone()
    } else {
        plans.iter().map(render::masked).collect()
    };
    if let Some(path) = &args.out
        && let Err(message) = save(path, &shown, &desireds)
    {
        let _ = writeln!(stderr, "error: {message}");
        return ExitCode::Failure;
    }
    let mut stdout = anstream::stdout().lock();
    let options = RenderOptions {
        full: args.full,
        color: !matches!(
            anstream::ColorChoice::global(),
            anstream::ColorChoice::Never
        ),
    };
    // A closed stdout (`telrep plan | head`) ends the output quietly; the exit code tells.
    let _ = match args.format {
        PlanFormat::Text => render::render_text(&shown, options, &mut stdout),
        PlanFormat::Json => render::render_json(&shown, &mut stdout),
        PlanFormat::Markdown => render::render_markdown(&shown, args.full, &mut stdout),
    };
    if plans.iter().any(|plan| !plan.errors.is_empty()) {
        ExitCode::Failure
    } else if args.detailed_exitcode && plans.iter().any(|plan| plan.changes) {
        ExitCode::Changes
    } else {
        ExitCode::Success
    }
}

/// Loads every manifest; on any problem, prints them all and makes no request.
pub(crate) fn load_all(
    paths: &[PathBuf],
    allow_outside_paths: bool,
    exclude: &[manifest::Glob],
) -> Result<Vec<Desired>, ExitCode> {
    let loaded = manifest::load_all(
        paths,
        LoadOptions {
            allow_outside_paths,
        },
        exclude,
    );
    let mut stderr = anstream::stderr().lock();
    if let Some(line) = super::validate::skipped_line(loaded.skipped) {
        let _ = writeln!(stderr, "{line}");
    }
    if loaded.diagnostics.is_empty() && !loaded.desireds.is_empty() {
        return Ok(loaded.desireds);
    }
    for diagnostic in &loaded.diagnostics {
        let _ = writeln!(stderr, "{}", render_diagnostic(diagnostic, true));
    }
    let _ = if loaded.desireds.is_empty() && loaded.diagnostics.is_empty() {
        writeln!(stderr, "error: no manifests (`*.yaml`, `*.yml`) found")
    } else if loaded.failed() == 0 {
        // Only the paths had problems (unreadable, no manifest in a directory).
        writeln!(stderr, "error: no request was made")
    } else {
        writeln!(stderr, "error: invalid manifests; no request was made")
    };
    Err(ExitCode::Failure)
}

/// The client, and the sandbox it talks to under `--sandbox`.
pub(crate) async fn connect(
    args: &ConnectionArgs,
    desireds: &[Desired],
) -> Result<(Client, Option<Sandbox>), String> {
    let (base_url, api_key, sandbox) = if args.sandbox {
        let config = SandboxConfig::for_manifests(desireds);
        let state = config.state_file.clone();
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|error| format!("cannot start the sandbox: {error}"))?;
        let _ = writeln!(
            anstream::stderr(),
            "telrep: using a local sandbox at {} (state in {}); nothing is sent to Telnyx",
            sandbox.base_url(),
            state
                .as_deref()
                .map_or_else(|| "memory".to_owned(), |path| path.display().to_string())
        );
        let key = ApiKey::new("sandbox").ok_or("internal: sandbox key")?;
        (sandbox.base_url(), key, Some(sandbox))
    } else {
        let settings = api_settings(
            args.api_url.as_deref(),
            args.api_key_file.as_deref(),
            |name| std::env::var(name).ok(),
        )?;
        (settings.base_url, settings.api_key, None)
    };
    let mut config = ClientConfig::new(base_url, api_key);
    config.concurrency = args.concurrency.max(1);
    let client = Client::new(config).map_err(|error| error.to_string())?;
    Ok((client, sandbox))
}

pub(crate) async fn plan_one(
    client: &Client,
    desired: &Desired,
    options: PlanOptions,
    prices: Prices,
) -> Plan {
    match crate::observe::observe(client, desired).await {
        Ok(live) => crate::diff::diff(desired, &live, options, prices),
        Err(error) => {
            let mut plan =
                crate::diff::diff(desired, &crate::model::Live::default(), options, prices);
            plan.steps.clear();
            plan.changes = false;
            plan.unmanaged.clear();
            plan.errors = vec![format!("cannot read the account: {error}")];
            plan
        }
    }
}

fn read_prices(path: &Path) -> Result<Prices, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the prices `{}`: {error}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|error| {
        format!(
            "`{}` is not a price table (`monitoring_per_month`, `per_check`): {error}",
            path.display()
        )
    })
}

/// The digest of a manifest and every file it reads (numbers files, LOA), so a saved plan
/// knows when they changed.
pub(crate) fn manifest_digest(desired: &Desired) -> String {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut files = vec![desired.manifest.clone()];
    if let ReputationSpec::Enabled { numbers, loa, .. } = &desired.reputation {
        files.extend(numbers.sources.iter().skip(1).cloned());
        if let crate::model::Loa::File { path, .. } = loa {
            files.push(path.clone());
        }
    }
    for file in files {
        hasher.update(file.display().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).unwrap_or_default());
        hasher.update([0]);
    }
    format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    )
}

fn save(path: &Path, plans: &[Plan], desireds: &[Desired]) -> Result<(), String> {
    let saved: Vec<serde_json::Value> = plans
        .iter()
        .zip(desireds)
        .map(|(plan, desired)| {
            serde_json::json!({
                "manifest": plan.manifest,
                "manifest_digest": manifest_digest(desired),
                "fingerprint": plan.fingerprint,
                "plan": plan,
            })
        })
        .collect();
    let document =
        serde_json::json!({"format_version": crate::plan::FORMAT_VERSION, "saved_plans": saved});
    let text = serde_json::to_string_pretty(&document).map_err(|error| error.to_string())?;
    std::fs::write(path, text + "\n")
        .map_err(|error| format!("cannot write the plan `{}`: {error}", path.display()))
}
