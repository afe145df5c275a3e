//! `telrep ownership confirm` and `telrep ownership webhook`: the two imperative answers to
//! Telnyx's ownership tracking of numbers hosted elsewhere. Neither is a manifest field:
//! a confirmation answers a check, and the webhook URL cannot be read back to diff.

use std::io::Write as _;

use super::ExitCode;
use super::args::{ConnectionArgs, OwnershipConfirmArgs, OwnershipWebhookArgs};
use super::error::CliError;
use super::report::print_error;
use crate::model::{Desired, E164};
use crate::telnyx::Client;

/// Confirms each `--number` (`still_own: true`); exit 1 when any was refused.
pub fn confirm(args: &OwnershipConfirmArgs) -> ExitCode {
    let Some(desired) = load(&args.path, args.allow_outside_paths) else {
        return ExitCode::Failure;
    };
    let desired = &desired;
    let result = with_enterprise(&args.connection, desired, |client, id| async move {
        let mut failed = false;
        for &number in &args.numbers {
            match confirm_one(&client, &id, desired, number).await {
                Ok(status) => {
                    let _ = writeln!(
                        anstream::stdout(),
                        "`{number}`: ownership confirmed, now `{status}`"
                    );
                }
                Err(error) => {
                    print_error(&error);
                    failed = true;
                }
            }
        }
        Ok(failed)
    });
    finish(result)
}

/// Sets (`--url`) or clears (`--clear`) the ownership webhook.
pub fn webhook(args: &OwnershipWebhookArgs) -> ExitCode {
    if let Some(url) = &args.url
        && !is_https(url)
    {
        print_error(&CliError::NotHttps { url: url.clone() });
        return ExitCode::Failure;
    }
    let Some(desired) = load(&args.path, args.allow_outside_paths) else {
        return ExitCode::Failure;
    };
    let url = if args.clear { None } else { args.url.clone() };
    let legal_name = desired.enterprise.legal_name.clone();
    let result = with_enterprise(&args.connection, &desired, |client, id| async move {
        let what = match &url {
            Some(url) => format!("cannot set the ownership webhook of `{legal_name}` to `{url}`"),
            None => format!("cannot clear the ownership webhook of `{legal_name}`"),
        };
        client
            .set_ownership_webhook(&id, url.as_deref())
            .await
            .map_err(|source| CliError::Ownership { what, source })?;
        let _ = match &url {
            Some(url) => writeln!(
                anstream::stdout(),
                "ownership events for `{legal_name}` go to {url}"
            ),
            None => writeln!(
                anstream::stdout(),
                "ownership events for `{legal_name}` are no longer sent"
            ),
        };
        Ok(false)
    });
    finish(result)
}

/// One confirmation: the number's new `ownership_status`.
async fn confirm_one(
    client: &Client,
    id: &str,
    desired: &Desired,
    number: E164,
) -> Result<String, CliError> {
    let legal_name = &desired.enterprise.legal_name;
    match client.confirm_ownership(id, number).await {
        Ok(record) => Ok(record
            .ownership
            .ownership_status
            .unwrap_or_else(|| "verified".to_owned())),
        Err(source) => {
            let what = match source.status() {
                Some(404) => format!("`{number}` is not a number of enterprise `{legal_name}`"),
                Some(400) => format!(
                    "`{number}` has no ownership check to answer (it is `verified`, or from the Telnyx inventory)"
                ),
                _ => format!("cannot confirm the ownership of `{number}`"),
            };
            Err(CliError::Ownership { what, source })
        }
    }
}

/// The manifest, validated; `None` once its problems are printed.
fn load(path: &std::path::Path, allow_outside_paths: bool) -> Option<Desired> {
    super::plan::load_all(&[path.to_path_buf()], allow_outside_paths, &[])
        .ok()
        .and_then(|desireds| desireds.into_iter().next())
}

/// Connects, finds the manifest's enterprise, and runs `work` with the client and its id:
/// whether any part of the work failed (already reported).
fn with_enterprise<F, Fut>(
    connection: &ConnectionArgs,
    desired: &Desired,
    work: F,
) -> Result<bool, CliError>
where
    F: FnOnce(Client, String) -> Fut,
    Fut: std::future::Future<Output = Result<bool, CliError>>,
{
    let runtime = super::connect::runtime()?;
    runtime.block_on(async {
        let (client, sandbox) =
            super::connect::connect(connection, std::slice::from_ref(desired)).await?;
        let found = crate::observe::enterprise_id(&client, desired).await;
        let result = match found {
            Ok(Some(id)) => work(client, id).await,
            Ok(None) => Err(CliError::NoEnterprise {
                manifest: desired.manifest.display().to_string(),
                legal_name: desired.enterprise.legal_name.clone(),
            }),
            Err(source) => Err(CliError::Observe {
                manifest: desired.manifest.display().to_string(),
                source,
            }),
        };
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        result
    })
}

fn finish(result: Result<bool, CliError>) -> ExitCode {
    match result {
        Ok(false) => ExitCode::Success,
        Ok(true) => ExitCode::Failure,
        Err(error) => {
            print_error(&error);
            ExitCode::Failure
        }
    }
}

/// Telnyx delivers over https only; anything else is refused before a call.
fn is_https(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_with_a_host() {
        assert!(is_https("https://hooks.example.com/telnyx"));
        assert!(!is_https("http://hooks.example.com/telnyx"));
        assert!(!is_https("https://"));
        assert!(!is_https("hooks.example.com"));
    }
}
