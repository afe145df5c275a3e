//! Command-line arguments; their doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Keep a Telnyx Number Reputation setup in version control.
///
/// A YAML manifest declares an enterprise, its Letter of Authorization, its refresh
/// frequency and its monitored numbers; telrep checks it, plans the API calls that would
/// make the account match, and applies them.
#[derive(Debug, Parser)]
#[command(name = "telrep", version, max_term_width = 100)]
pub struct Args {
    /// When to use colour: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// telrep's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests and their numbers files offline (no API key, no network).
    Validate(ValidateArgs),
    /// Print the manifest's JSON Schema (for editors and other tools).
    Schema,
}

/// Arguments of `telrep validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Manifest files, or directories searched recursively for `*.yaml` and `*.yml`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text` renders problems like a compiler on stderr; `json` prints one object on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,
}

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// The `--color` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal when NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorWhen {
    /// Makes every stream telrep writes follow this choice.
    pub fn apply(self) {
        let choice = match self {
            Self::Auto => anstream::ColorChoice::Auto,
            Self::Always => anstream::ColorChoice::Always,
            Self::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}
