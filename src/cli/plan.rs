//! `telrep plan`: load and validate every manifest (no request if any is invalid), observe
//! the account, diff, render, and exit 0 / 1 / 2.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{PlanArgs, PlanFormat};
use super::error::CliError;
use super::report::print_error;
use super::{ExitCode, render_diagnostic};
use crate::manifest::{self, LoadOptions};
use crate::model::{Desired, ReputationSpec, hex};
use crate::plan::render::{self, MarkdownOptions, RenderOptions};
use crate::plan::{
    Plan, PlanDiagnostic, PlanEnterprise, Prices, SavedFile, SavedPlan, SavedPlans, Severity,
};

/// Plans every manifest named.
pub fn run(args: &PlanArgs) -> ExitCode {
    if args.format == PlanFormat::Diff {
        return run_diff(args);
    }
    let prices = prices_from(args.prices.as_deref());
    let default_prices = prices.as_ref().ok().and_then(|(_, default)| *default);
    let mut save_error = None;
    let plans = match load_all(&args.paths, args.allow_outside_paths, &args.exclude) {
        // Text has said everything on stderr; JSON and Markdown still print their document,
        // so a CI job never posts an empty comment.
        Err(_) if args.format == PlanFormat::Text => return ExitCode::Failure,
        Err(loaded) => not_planned(&loaded),
        Ok(desireds) => match prices.and_then(|(prices, _)| plan_all(args, &desireds, prices)) {
            Ok(plans) => {
                save_error = save_unless_failed(args.out.as_deref(), &plans, &desireds);
                plans
            }
            Err(error) => {
                print_error(&error);
                if args.format == PlanFormat::Text {
                    return ExitCode::Failure;
                }
                settings_failed(&desireds, &crate::telnyx::one_line(&error))
            }
        },
    };
    let options = RenderOptions {
        full: args.full,
        color: !matches!(
            anstream::ColorChoice::global(),
            anstream::ColorChoice::Never
        ),
        default_prices,
    };
    // A closed stdout (`telrep plan | head`) ends the output quietly; the exit code tells.
    let _ = match args.format {
        PlanFormat::Text => render::render_text(&plans, options, &mut anstream::stdout().lock()),
        // Only the text carries styles; the machine formats skip anstream's escape scan.
        PlanFormat::Json => render::render_json(&plans, &mut std::io::stdout().lock()),
        // Handled by `run_diff` before any plan is made.
        PlanFormat::Diff => Ok(()),
        // The plans' problems only: the plan itself is Markdown or JSON.
        PlanFormat::Github | PlanFormat::Gitlab | PlanFormat::Sarif => {
            let findings: Vec<super::ci::Finding> =
                plans.iter().flat_map(super::ci::plan_findings).collect();
            let text = args
                .format
                .ci()
                .map(|format| super::ci::render(format, &findings))
                .unwrap_or_default();
            std::io::stdout().lock().write_all(text.as_bytes())
        }
        PlanFormat::Markdown => render::render_markdown(
            &plans,
            &MarkdownOptions {
                marker: marker(&args.paths),
                full: args.full,
                default_prices,
            },
            &mut std::io::stdout().lock(),
        ),
    };
    if let Some(error) = save_error {
        print_error(&error);
        return ExitCode::Failure;
    }
    if plans.iter().any(|plan| !plan.errors.is_empty()) {
        ExitCode::Failure
    } else if args.detailed_exitcode && plans.iter().any(|plan| plan.changes) {
        ExitCode::Changes
    } else {
        ExitCode::Success
    }
}

/// `plan --format diff`: each manifest's live account against it, in manifest form; the
/// exit code as the plan's (1 when a plan cannot be made, 2 for changes with
/// `--detailed-exitcode`).
fn run_diff(args: &PlanArgs) -> ExitCode {
    let Ok(desireds) = load_all(&args.paths, args.allow_outside_paths, &args.exclude) else {
        return ExitCode::Failure;
    };
    let prices = match prices_from(args.prices.as_deref()) {
        Ok((prices, _)) => prices,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) = super::connect::connect(
                &args.connection,
                &desireds,
                crate::telnyx::RetryPolicy::OFFICIAL,
            )
            .await?;
            let mut diffs = Vec::new();
            for desired in &desireds {
                let (plan, live) =
                    crate::observe::plan_with_live(&client, desired, args.rails.options(), prices)
                        .await;
                // An account that cannot be read has no diff: the plan's error says why.
                let text = live.map_or_else(String::new, |live| {
                    render::manifest_diff(desired, &live, args.show_sensitive)
                });
                diffs.push((desired.manifest.display().to_string(), text, plan));
            }
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            Ok::<_, CliError>(diffs)
        })
    });
    let diffs = match result {
        Ok(diffs) => diffs,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    let mut stdout = anstream::stdout().lock();
    let several = diffs.len() > 1;
    for (manifest, text, plan) in &diffs {
        if several {
            let _ = writeln!(stdout, "diff telrep {manifest}");
        }
        let _ = stdout.write_all(coloured(text).as_bytes());
        for error in &plan.errors {
            let _ = writeln!(anstream::stderr(), "error: {manifest}: {error}");
        }
    }
    if diffs.iter().any(|(_, _, plan)| !plan.errors.is_empty()) {
        ExitCode::Failure
    } else if args.detailed_exitcode && diffs.iter().any(|(_, _, plan)| plan.changes) {
        ExitCode::Changes
    } else {
        ExitCode::Success
    }
}

/// A unified diff with removals red, additions green and hunk headers cyan (anstream
/// drops the colour where it is not wanted).
fn coloured(text: &str) -> String {
    use anstyle::{AnsiColor, Style};
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            Style::new().bold()
        } else if line.starts_with('-') {
            Style::new().fg_color(Some(AnsiColor::Red.into()))
        } else if line.starts_with('+') {
            Style::new().fg_color(Some(AnsiColor::Green.into()))
        } else if line.starts_with("@@") {
            Style::new().fg_color(Some(AnsiColor::Cyan.into()))
        } else {
            Style::new()
        };
        out.push_str(&format!("{style}{line}{style:#}"));
    }
    out
}

/// The path arguments as given, joined by single spaces: the Markdown comment's marker.
fn marker(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `--out`: saves the plans, unless one cannot be made (no plan to apply: nothing is
/// saved, and stderr says so); the error to report after the plans are shown, if any.
fn save_unless_failed(
    out: Option<&Path>,
    plans: &[Plan],
    desireds: &[Desired],
) -> Option<CliError> {
    let path = out?;
    let failed = plans.iter().filter(|plan| !plan.errors.is_empty()).count();
    if failed > 0 {
        let _ = writeln!(
            anstream::stderr(),
            "error: not saving `{}`: {} be made; fix the errors below and plan again",
            path.display(),
            crate::plan::Count::new(failed, "plan cannot", "plans cannot")
        );
        return None;
    }
    save(path, plans, desireds).err()
}

/// The failed plans of a run that could not reach the account at all (no key, a refused
/// URL, a bad price table, a sandbox that did not start): each manifest with the reason.
fn settings_failed(desireds: &[Desired], message: &str) -> Vec<Plan> {
    desireds
        .iter()
        .map(|desired| {
            let manifest = desired.manifest.display().to_string();
            let diagnostic = PlanDiagnostic {
                rule: "invalid_settings".to_owned(),
                severity: Severity::Error,
                message: message.to_owned(),
                file: manifest.clone(),
                line: None,
                column: None,
                help: None,
            };
            Plan::failed(
                manifest,
                PlanEnterprise {
                    id: None,
                    legal_name: Some(desired.enterprise.legal_name.clone()),
                },
                vec![diagnostic],
            )
        })
        .collect()
}

/// Observes and plans every manifest at once (`observe::plan_all`); masked unless
/// `--show-sensitive`. The error when no connection
/// could be made.
fn plan_all(args: &PlanArgs, desireds: &[Desired], prices: Prices) -> Result<Vec<Plan>, CliError> {
    let runtime = super::connect::runtime()?;
    let plans = runtime.block_on(async {
        let (client, sandbox) = super::connect::connect(
            &args.connection,
            desireds,
            crate::telnyx::RetryPolicy::OFFICIAL,
        )
        .await?;
        let options = args.rails.options();
        let plans = crate::observe::plan_all(&client, desireds, options, prices).await;
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        Ok::<_, CliError>(plans)
    })?;
    Ok(if args.show_sensitive {
        plans
    } else {
        plans.iter().map(render::masked).collect()
    })
}

/// The failed plans of a run with an invalid manifest, where no request was made: each
/// manifest with its problems, the valid ones saying why they were not planned, and a
/// path that could not be read as its own entry.
fn not_planned(loaded: &manifest::Loaded) -> Vec<Plan> {
    let diagnostic = |diagnostic: &manifest::Diagnostic| PlanDiagnostic {
        rule: diagnostic.rule.to_owned(),
        severity: Severity::Error,
        message: diagnostic.message.clone(),
        file: diagnostic.file.display().to_string(),
        line: Some(diagnostic.line),
        column: Some(diagnostic.column),
        help: diagnostic.help.clone(),
    };
    let mut plans = Vec::new();
    for (problem, owner) in loaded.diagnostics.iter().zip(&loaded.owners) {
        if owner.is_none() {
            plans.push(Plan::failed(
                problem.file.display().to_string(),
                PlanEnterprise {
                    id: None,
                    legal_name: None,
                },
                vec![diagnostic(problem)],
            ));
        }
    }
    let mut valid = loaded.desireds.iter().peekable();
    for (index, path) in loaded.manifests.iter().enumerate() {
        let own: Vec<PlanDiagnostic> = loaded
            .diagnostics
            .iter()
            .zip(&loaded.owners)
            .filter(|(_, owner)| **owner == Some(index))
            .map(|(problem, _)| diagnostic(problem))
            .collect();
        let manifest = path.display().to_string();
        if !own.is_empty() {
            let enterprise = PlanEnterprise {
                id: None,
                legal_name: None,
            };
            plans.push(Plan::failed(manifest, enterprise, own));
        } else if let Some(desired) = valid.next_if(|desired| desired.manifest == *path) {
            let enterprise = PlanEnterprise {
                id: None,
                legal_name: Some(desired.enterprise.legal_name.clone()),
            };
            let reason = PlanDiagnostic {
                rule: "not_planned".to_owned(),
                severity: Severity::Error,
                message: "not planned: no request is made while another manifest is invalid"
                    .to_owned(),
                file: manifest.clone(),
                line: None,
                column: None,
                help: Some("fix the other manifests' problems, then plan again".to_owned()),
            };
            plans.push(Plan::failed(manifest, enterprise, vec![reason]));
        }
    }
    plans
}

/// Loads every manifest; on any problem, prints them all and makes no request, and gives
/// back what was loaded so a document can still be printed.
pub(crate) fn load_all(
    paths: &[PathBuf],
    allow_outside_paths: bool,
    exclude: &[manifest::Glob],
) -> Result<Vec<Desired>, manifest::Loaded> {
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
    Err(loaded)
}

/// `--prices FILE`, else the built-in table: the prices, and the built-in table again when
/// it is the one in use (the cost then says so).
pub(crate) fn prices_from(path: Option<&Path>) -> Result<(Prices, Option<Prices>), CliError> {
    match path {
        None => Ok((Prices::default(), Some(Prices::default()))),
        Some(path) => read_prices(path).map(|prices| (prices, None)),
    }
}

/// `--prices FILE`, JSON or YAML (YAML reads both).
fn read_prices(path: &Path) -> Result<Prices, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadPrices {
        path: path.to_owned(),
        source,
    })?;
    serde_saphyr::from_str(&text).map_err(|source| CliError::NotPrices {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// The manifest and every file it reads (numbers files, LOA), in a fixed order.
fn manifest_files(desired: &Desired) -> Vec<PathBuf> {
    let mut files = vec![desired.manifest.clone()];
    if let ReputationSpec::Enabled {
        numbers,
        loa,
        external_verification,
        ..
    } = &desired.reputation
    {
        files.extend(numbers.sources.iter().skip(1).cloned());
        if let crate::model::Loa::File { path, .. } = loa {
            files.push(path.clone());
        }
        if let Some(crate::model::ExternalProof::Files(proofs)) = external_verification {
            files.extend(proofs.iter().map(|proof| proof.path.clone()));
        }
    }
    files
}

/// What a saved plan records of the files it was computed from.
pub(crate) struct Digests {
    /// `sha256:` over the manifest and every file it reads, with their paths.
    pub(crate) manifest: String,
    /// Each file's own digest, so a refused saved plan can name the file that changed.
    pub(crate) files: Vec<(String, String)>,
}

/// Digests the manifest and every file it reads (numbers files, LOA, proofs), each read
/// once; a file that cannot be read (gone since it was loaded) is an error, never digested
/// as empty, which an empty file would match.
pub(crate) fn digests(desired: &Desired) -> Result<Digests, CliError> {
    use sha2::Digest as _;
    let mut combined = sha2::Sha256::new();
    let mut files = Vec::new();
    for file in manifest_files(desired) {
        let content = std::fs::read(&file).map_err(|source| CliError::Digest {
            path: file.clone(),
            source,
        })?;
        let label = file.display().to_string();
        combined.update(label.as_bytes());
        combined.update([0]);
        combined.update(&content);
        combined.update([0]);
        files.push((
            label,
            format!("sha256:{}", hex(&sha2::Sha256::digest(&content))),
        ));
    }
    Ok(Digests {
        manifest: format!("sha256:{}", hex(&combined.finalize())),
        files,
    })
}

/// `plan --out FILE`: every plan with what `apply --plan` checks before executing it.
fn save(path: &Path, plans: &[Plan], desireds: &[Desired]) -> Result<(), CliError> {
    let mut entries = Vec::new();
    for (plan, desired) in plans.iter().zip(desireds) {
        // Only plans that could be made are saved (`save_unless_failed`).
        let fingerprint = plan
            .fingerprint
            .clone()
            .ok_or_else(|| CliError::internal("a plan without a fingerprint was to be saved"))?;
        let digests = digests(desired)?;
        entries.push(SavedPlan {
            manifest: plan.manifest.clone(),
            manifest_digest: digests.manifest,
            files: digests
                .files
                .into_iter()
                .map(|(path, sha256)| SavedFile { path, sha256 })
                .collect(),
            fingerprint,
            plan: plan.clone(),
        });
    }
    let text = serde_json::to_string_pretty(&SavedPlans::new(entries))
        .map_err(|error| CliError::internal_from("the saved plans cannot be serialized", error))?;
    std::fs::write(path, text + "\n").map_err(|source| CliError::WritePlan {
        path: path.to_owned(),
        source,
    })
}
