//! `telrep sandbox serve`: the simulator as a process, for tools and tests outside telrep.

use std::io::Write;

use super::ExitCode;
use super::args::ServeArgs;
use super::error::CliError;
use super::report::print_error;
use crate::sandbox::{Faults, Rules, Sandbox, SandboxConfig};

/// Serves until SIGINT or SIGTERM; prints `listening on http://127.0.0.1:PORT/v2` first.
pub fn serve(args: &ServeArgs) -> ExitCode {
    let inventory = match &args.inventory {
        None => Vec::new(),
        Some(path) => match read_inventory(path) {
            Ok(inventory) => inventory,
            Err(error) => {
                print_error(&error);
                return ExitCode::Failure;
            }
        },
    };
    let config = SandboxConfig {
        listen: args.listen,
        rules: Rules {
            approve_after_ms: i64::try_from(args.approve_after.as_millis()).unwrap_or(i64::MAX),
            reject: args.reject.clone(),
            reject_external: args.reject_external.clone(),
            refuse: args.refuse.iter().cloned().collect(),
            seed: args.seed,
        },
        inventory,
        state_file: args.state.clone(),
        faults: Faults {
            latency: args.latency,
            error_rate: args.error_rate,
            rate_limit: args.rate_limit,
            reset_rate: args.reset_rate,
            fail_routes: args.fail_route.clone(),
        },
    };
    let runtime = match super::connect::runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    runtime.block_on(async {
        let sandbox = match Sandbox::start(config).await {
            Ok(sandbox) => sandbox,
            Err(source) => {
                print_error(&CliError::SandboxOn {
                    listen: args.listen,
                    source,
                });
                return ExitCode::Failure;
            }
        };
        // Listening for signals before saying where it listens: a client that stops it
        // right after reading the address gets a clean 130 / 143.
        let signals = super::connect::Signals::install();
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on {}", sandbox.base_url());
        let _ = stdout.flush();
        drop(stdout);
        let code = signals.received().await;
        sandbox.shutdown().await;
        code
    })
}

/// Reads `--inventory FILE`: `NUMBER [TYPE]` a line, `#` comments, blank lines.
fn read_inventory(path: &std::path::Path) -> Result<Vec<(String, String)>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadInventory {
        path: path.to_owned(),
        source,
    })?;
    crate::manifest::entries(&text)
        .map(|entry| {
            let mut words = entry.text.split_whitespace();
            // `entries` yields only lines with text, so there is always a first word.
            let Some(number) = words.next() else {
                return Err(CliError::internal("an inventory entry without text"));
            };
            if crate::model::E164::parse(number).is_none() {
                return Err(CliError::InventoryNumber {
                    path: path.to_owned(),
                    line: entry.line,
                    column: entry.column,
                    found: number.to_owned(),
                });
            }
            let number_type = words.next().unwrap_or("local").to_owned();
            Ok((number.to_owned(), number_type))
        })
        .collect()
}
