//! The command line: the only code that reads argv, the environment and terminal state, and
//! writes to stdout and stderr. Each subcommand turns its arguments into one library call
//! and renders the result.

mod apply;
mod args;
mod billed;
mod ci;
mod connect;
mod error;
mod import;
mod loa;
mod ownership;
mod plan;
mod refresh;
mod remediate;
mod report;
mod reputation;
mod sandbox;
mod schema;
mod settings;
mod validate;

use std::ffi::OsString;

use clap::Parser;

pub use args::{Args, ColorWhen, Command, OutputFormat, OwnershipCommand, SandboxCommand};
pub use report::{ExitCode, render_diagnostic, render_error};
pub use settings::{ApiSettings, KeyPlace, SettingsError, api_settings};

/// Runs telrep with these arguments and returns the process exit code.
pub fn main(arguments: impl IntoIterator<Item = OsString>) -> std::process::ExitCode {
    let args = match Args::try_parse_from(arguments) {
        Ok(args) => args,
        Err(error) => {
            // clap prints help and version to stdout and usage errors to stderr itself.
            let code = if error.use_stderr() {
                ExitCode::Failure
            } else {
                ExitCode::Success
            };
            let _ = error.print();
            return code.into();
        }
    };
    args.color.apply();
    if args.verbose {
        // Each API call at debug level: method, path, status, attempt, latency; never the key.
        use std::io::IsTerminal as _;
        let ansi = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            && args.color != ColorWhen::Never;
        let _ = tracing_subscriber::fmt()
            .with_ansi(ansi || args.color == ColorWhen::Always)
            .with_env_filter(tracing_subscriber::EnvFilter::new("telrep=debug"))
            .with_writer(std::io::stderr)
            .with_target(false)
            .try_init();
    }
    let code = match args.command {
        Command::Validate(validate) => validate::run(&validate),
        Command::Plan(plan) => plan::run(&plan),
        Command::Apply(apply) => apply::run(&apply),
        Command::Schema(schema) => schema::run(&schema),
        Command::Report(report) => reputation::report(&report),
        Command::Check(check) => reputation::check(&check),
        Command::Refresh(refresh) => refresh::run(&refresh),
        Command::Remediate(remediate) => remediate::run(&remediate),
        Command::Import(import) => import::run(&import),
        Command::Completions(completions) => generated(|out| {
            let mut command = <Args as clap::CommandFactory>::command();
            clap_complete::generate(completions.shell, &mut command, "telrep", out);
            Ok(())
        }),
        Command::Man => generated(|out| {
            clap_mangen::Man::new(<Args as clap::CommandFactory>::command()).render(out)
        }),
        Command::Loa(args::LoaCommand::Render(render)) => loa::render(&render),
        Command::Sandbox(SandboxCommand::Serve(serve)) => sandbox::serve(&serve),
        Command::Ownership(OwnershipCommand::Confirm(confirm)) => ownership::confirm(&confirm),
        Command::Ownership(OwnershipCommand::Webhook(webhook)) => ownership::webhook(&webhook),
    };
    code.into()
}

/// Writes what clap generates (completions, the manual page) to stdout. It is made in
/// memory first: clap_complete panics when its writer fails, and a closed stdout
/// (`telrep completions bash | head`) must end the output quietly instead.
fn generated(make: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> ExitCode {
    use std::io::Write as _;
    let mut text = Vec::new();
    if let Err(error) = make(&mut text) {
        report::print_error(&error::CliError::internal_from(
            "the generated text cannot be made",
            error,
        ));
        return ExitCode::Failure;
    }
    let _ = std::io::stdout().lock().write_all(&text);
    ExitCode::Success
}

/// Whether a telrep command line parses, without running it: how the tests check the
/// examples of `--help` and the pipelines of `examples/ci/` against the real parser.
pub fn check_arguments<I, T>(arguments: I) -> Result<(), String>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    Args::try_parse_from(arguments)
        .map(|_| ())
        .map_err(|error| error.to_string())
}
