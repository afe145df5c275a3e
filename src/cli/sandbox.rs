//! `telrep sandbox serve`: the simulator as a process, for tools and tests outside telrep.

use std::io::Write;

use super::ExitCode;
use super::args::ServeArgs;
use crate::sandbox::{Faults, Rules, Sandbox, SandboxConfig};

/// Serves until SIGINT or SIGTERM; prints `listening on http://127.0.0.1:PORT/v2` first.
pub fn serve(args: &ServeArgs) -> ExitCode {
    let inventory = match &args.inventory {
        None => Vec::new(),
        Some(path) => match read_inventory(path) {
            Ok(inventory) => inventory,
            Err(message) => {
                let _ = writeln!(anstream::stderr(), "error: {message}");
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
    let Some(runtime) = super::connect::runtime() else {
        return ExitCode::Failure;
    };
    runtime.block_on(async {
        let sandbox = match Sandbox::start(config).await {
            Ok(sandbox) => sandbox,
            Err(error) => {
                let _ = writeln!(
                    anstream::stderr(),
                    "error: cannot start the sandbox on {}: {error}",
                    args.listen
                );
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
fn read_inventory(path: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the inventory `{}`: {error}", path.display()))?;
    crate::manifest::entries(&text)
        .map(|entry| {
            let mut words = entry.text.split_whitespace();
            let number = words.next().unwrap_or_default();
            if crate::model::E164::parse(number).is_none() {
                return Err(format!(
                    "{}:{}:{}: expected an E.164 number like `+12025551234`, found `{number}`",
                    path.display(),
                    entry.line,
                    entry.column
                ));
            }
            let number_type = words.next().unwrap_or("local").to_owned();
            Ok((number.to_owned(), number_type))
        })
        .collect()
}
