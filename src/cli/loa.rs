//! `telrep loa render`: the enterprise's Letter of Authorization as Telnyx renders it for
//! signature (free), written to a file. The onboarding path: apply with `enabled: false`
//! (creates the enterprise), render, sign, set `loa.file` and `enabled: true`, apply.

use std::io::Write as _;

use super::ExitCode;
use super::args::LoaRenderArgs;
use super::error::CliError;
use super::report::print_error;

/// Writes the PDF; exit 1 when the manifest is invalid, the enterprise does not exist, the
/// render is refused, or the file cannot be written.
pub fn render(args: &LoaRenderArgs) -> ExitCode {
    let paths = [args.path.clone()];
    let Ok(desireds) = super::plan::load_all(&paths, args.allow_outside_paths, &[]) else {
        return ExitCode::Failure;
    };
    // One file is written: a directory of several manifests would overwrite it.
    if desireds.len() != 1 {
        print_error(&CliError::LoaOneManifest {
            path: args.path.clone(),
            count: desireds.len(),
        });
        return ExitCode::Failure;
    }
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) = super::connect::connect(
                &args.connection,
                &desireds,
                crate::telnyx::RetryPolicy::OFFICIAL,
            )
            .await?;
            let result = async {
                let mut lines = Vec::new();
                for desired in &desireds {
                    lines.push(render_one(&client, desired, args).await?);
                }
                Ok(lines)
            }
            .await;
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result
        })
    });
    match result {
        Ok(lines) => {
            let mut stdout = anstream::stdout();
            for line in lines {
                let _ = writeln!(stdout, "{line}");
            }
            ExitCode::Success
        }
        Err(error) => {
            print_error(&error);
            ExitCode::Failure
        }
    }
}

/// Renders the LOA of `desired`'s enterprise into `--out`; what to say about it.
async fn render_one(
    client: &crate::telnyx::Client,
    desired: &crate::model::Desired,
    args: &LoaRenderArgs,
) -> Result<String, CliError> {
    let manifest = desired.manifest.display().to_string();
    let legal_name = desired.enterprise.legal_name.clone();
    let id = match crate::observe::enterprise_id(client, desired).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return Err(CliError::NoEnterpriseForLoa {
                manifest,
                legal_name,
            });
        }
        Err(source) => return Err(CliError::Observe { manifest, source }),
    };
    let pdf = client
        .render_loa(&id)
        .await
        .map_err(|source| CliError::RenderLoa {
            legal_name: legal_name.clone(),
            source,
        })?;
    std::fs::write(&args.out, &pdf).map_err(|source| CliError::WriteLoa {
        path: args.out.clone(),
        source,
    })?;
    Ok(format!(
        "wrote `{}` ({} bytes): the LOA of `{legal_name}` for signature; sign it, set `loa.file` to the signed PDF and `enabled: true`, then plan and apply",
        args.out.display(),
        crate::plan::thousands(pdf.len())
    ))
}
