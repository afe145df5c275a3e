//! `telrep ownership confirm` and `telrep ownership webhook`: the two imperative answers to
//! Telnyx's ownership tracking of numbers hosted elsewhere. Neither is a manifest field:
//! a confirmation answers a check, and the webhook URL cannot be read back to diff.

use std::collections::HashMap;
use std::io::Write as _;

use super::ExitCode;
use super::args::{OwnershipConfirmArgs, OwnershipWebhookArgs};
use super::error::CliError;
use super::report::print_error;
use crate::model::{Desired, E164, OwnershipStatus};
use crate::telnyx::Client;

/// Confirms each `--number` that Telnyx asks about (`pending_confirmation` or `flagged`)
/// with `still_own: true`; reports and skips the others. Exit 1 when a number is in none
/// of the manifests' enterprises or a confirmation fails.
pub fn confirm(args: &OwnershipConfirmArgs) -> ExitCode {
    let Ok(desireds) = super::plan::load_all(&args.paths, args.allow_outside_paths, &[]) else {
        return ExitCode::Failure;
    };
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) = super::connect::connect(
                &args.connection,
                &desireds,
                crate::telnyx::RetryPolicy::OFFICIAL,
            )
            .await?;
            let result = confirm_all(&client, &desireds, &args.numbers).await;
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result
        })
    });
    finish(result)
}

/// Where each number stands: the enterprise that lists it and its ownership status.
async fn confirm_all(
    client: &Client,
    desireds: &[Desired],
    numbers: &[E164],
) -> Result<bool, CliError> {
    let mut listed: HashMap<E164, (String, String, OwnershipStatus)> = HashMap::new();
    for desired in desireds {
        let id = enterprise_of(client, desired).await?;
        let monitored = client
            .list_monitored(&id)
            .await
            .map_err(|source| CliError::Ownership {
                what: format!(
                    "cannot read the numbers of `{}`",
                    desired.enterprise.legal_name
                ),
                source,
            })?;
        let legal_name = &desired.enterprise.legal_name;
        for number in monitored.numbers {
            listed.insert(
                number,
                (id.clone(), legal_name.clone(), OwnershipStatus::Verified),
            );
        }
        for (number, ownership) in monitored.ownership {
            let entry = (id.clone(), legal_name.clone(), ownership.status);
            // A number Telnyx removed in one enterprise may be monitored in another:
            // the live entry is the one to confirm, so a removal never replaces it.
            match listed.get(&number) {
                Some((_, _, status))
                    if entry.2 == OwnershipStatus::Removed
                        && *status != OwnershipStatus::Removed => {}
                _ => {
                    listed.insert(number, entry);
                }
            }
        }
    }
    let mut failed = false;
    for &number in numbers {
        let Some((id, legal_name, status)) = listed.get(&number) else {
            print_error(&CliError::NotListed {
                number: number.to_string(),
            });
            failed = true;
            continue;
        };
        if *status == OwnershipStatus::Removed {
            let _ = writeln!(
                anstream::stdout(),
                "`{number}`: skipped, Telnyx removed it from monitoring in `{legal_name}`, so there is nothing to confirm; `telrep apply` adds it again"
            );
            continue;
        }
        if !status.awaits_confirmation() {
            let _ = writeln!(
                anstream::stdout(),
                "`{number}`: skipped, ownership is `{status}` in `{legal_name}` (nothing to confirm)"
            );
            continue;
        }
        match client.confirm_ownership(id, number).await {
            Ok(record) => {
                let now = record
                    .ownership
                    .ownership_status
                    .unwrap_or_else(|| "verified".to_owned());
                let _ = writeln!(
                    anstream::stdout(),
                    "`{number}`: ownership confirmed, now `{now}`"
                );
            }
            Err(source) => {
                print_error(&CliError::Ownership {
                    what: format!("cannot confirm the ownership of `{number}`"),
                    source,
                });
                failed = true;
            }
        }
    }
    Ok(failed)
}

/// The id of the manifest's enterprise, which must exist.
async fn enterprise_of(client: &Client, desired: &Desired) -> Result<String, CliError> {
    match crate::observe::enterprise_id(client, desired).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(CliError::NoEnterprise {
            manifest: desired.manifest.display().to_string(),
            legal_name: desired.enterprise.legal_name.clone(),
        }),
        Err(source) => Err(CliError::Observe {
            manifest: desired.manifest.display().to_string(),
            source,
        }),
    }
}

/// Sets (`--url`) or clears (`--clear`) the ownership webhook.
pub fn webhook(args: &OwnershipWebhookArgs) -> ExitCode {
    if let Some(url) = &args.url
        && !is_https(url)
    {
        print_error(&CliError::NotHttps { url: url.clone() });
        return ExitCode::Failure;
    }
    let Ok(desireds) = super::plan::load_all(&args.paths, args.allow_outside_paths, &[]) else {
        return ExitCode::Failure;
    };
    let url = if args.clear { None } else { args.url.clone() };
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) = super::connect::connect(
                &args.connection,
                &desireds,
                crate::telnyx::RetryPolicy::OFFICIAL,
            )
            .await?;
            let mut result = Ok(false);
            for desired in &desireds {
                result = set_webhook(&client, desired, url.as_deref()).await;
                if result.is_err() {
                    break;
                }
            }
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result
        })
    });
    finish(result)
}

/// Sets or clears one enterprise's ownership webhook, and says so.
async fn set_webhook(
    client: &Client,
    desired: &Desired,
    url: Option<&str>,
) -> Result<bool, CliError> {
    let id = enterprise_of(client, desired).await?;
    let legal_name = &desired.enterprise.legal_name;
    let what = match url {
        Some(url) => format!("cannot set the ownership webhook of `{legal_name}` to `{url}`"),
        None => format!("cannot clear the ownership webhook of `{legal_name}`"),
    };
    client
        .set_ownership_webhook(&id, url)
        .await
        .map_err(|source| CliError::Ownership { what, source })?;
    let _ = match url {
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
