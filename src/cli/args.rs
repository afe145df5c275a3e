//! Command-line arguments; their doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Keep a Telnyx Number Reputation setup in version control.
///
/// A YAML manifest declares an enterprise, its Letter of Authorization, its refresh
/// frequency and its monitored numbers; telrep checks it, plans the API calls that would
/// make the account match, and applies them.
#[derive(Debug, Parser)]
#[command(name = "telrep", version = env!("TELREP_VERSION"), max_term_width = 100)]
pub struct Args {
    /// When to use colour: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Log every API call (method, path, status, attempt, latency) to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// telrep's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests and their numbers files offline (no API key, no network).
    #[command(after_help = HELP_VALIDATE)]
    Validate(ValidateArgs),
    /// Show the API calls that would make the account match the manifests (free calls only).
    #[command(after_help = HELP_PLAN)]
    Plan(PlanArgs),
    /// Make the API calls of the plan, wait for vetting, and prove the account matches.
    #[command(after_help = HELP_APPLY)]
    Apply(ApplyArgs),
    /// Print the manifest's JSON Schema (for editors and other tools).
    #[command(after_help = HELP_SCHEMA)]
    Schema(SchemaArgs),
    /// Run a local simulator of the Telnyx API (no account, no cost).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Show every monitored number's reputation, worst first, with the policy applied (free).
    #[command(after_help = HELP_REPORT)]
    Report(ReportArgs),
    /// Fail (exit 2) when a managed number breaks the manifest's policy (free; for CI).
    #[command(after_help = HELP_CHECK)]
    Check(CheckArgs),
    /// Refresh managed numbers' reputation now (billed: shows the bill and asks first).
    #[command(after_help = HELP_REFRESH)]
    Refresh(RefreshArgs),
    /// Submit flagged managed numbers for re-evaluation (billed: shows the bill and asks first).
    #[command(after_help = HELP_REMEDIATE)]
    Remediate(RemediateArgs),
    /// Write a manifest from the live account, for a setup made by hand (free).
    #[command(after_help = HELP_IMPORT)]
    Import(ImportArgs),
    /// The Letter of Authorization Telnyx renders for the enterprise, to sign (free).
    #[command(subcommand)]
    Loa(LoaCommand),
    /// Answer Telnyx's ownership checks of numbers hosted with another carrier (free).
    #[command(subcommand)]
    Ownership(OwnershipCommand),
    /// Print a shell completion script.
    #[command(after_help = HELP_COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print telrep's manual page (roff, for `man -l -`).
    #[command(after_help = HELP_MAN)]
    Man,
}

/// Arguments of `telrep completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `telrep import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The directory to write `<legal-name>.yaml` (and `numbers/<legal-name>.txt` beyond
    /// 50 numbers) into; created when missing. `--sandbox` keeps its state in
    /// `DIR/.telrep/`, where the manifest's later commands find it.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// The enterprise to import, by id or exact legal name (needed when the account has
    /// several).
    #[arg(long, value_name = "ID|LEGAL_NAME")]
    pub enterprise: Option<String>,

    /// Overwrite files that exist.
    #[arg(long)]
    pub force: bool,

    /// Start the manifest with `# yaml-language-server: $schema=PATH`, for editors.
    #[arg(long, value_name = "PATH")]
    pub schema: Option<String>,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `telrep loa …`.
#[derive(Debug, Subcommand)]
pub enum LoaCommand {
    /// Write the enterprise's LOA as Telnyx renders it, ready for signature (free; the
    /// enterprise must exist: apply with `reputation: {enabled: false}` first).
    #[command(after_help = HELP_LOA_RENDER)]
    Render(LoaRenderArgs),
}

/// Arguments of `telrep loa render`.
#[derive(Debug, clap::Args)]
pub struct LoaRenderArgs {
    /// The manifest whose enterprise the LOA is for.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Where to write the PDF.
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,
}

/// `telrep ownership …`.
#[derive(Debug, Subcommand)]
pub enum OwnershipCommand {
    /// Confirm the enterprise still owns numbers whose ownership Telnyx asks about
    /// (`still_own: true`; telrep never gives a number up: remove it from the manifest).
    #[command(after_help = HELP_OWNERSHIP_CONFIRM)]
    Confirm(OwnershipConfirmArgs),
    /// Set or clear the URL Telnyx sends ownership events to (it cannot be read back, so
    /// it is not a manifest field).
    #[command(after_help = HELP_OWNERSHIP_WEBHOOK)]
    Webhook(OwnershipWebhookArgs),
}

/// Arguments of `telrep report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Manifest files, or directories searched recursively for manifests.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text` for people, `json` for programs, `csv` for spreadsheets, `markdown` for a
    /// pull-request comment or a job summary.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Where the calls go, and which manifests.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Arguments of `telrep check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Manifest files, or directories searched recursively for manifests.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text` for people, `json` for programs, `markdown` for a pull-request comment.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Where the calls go, and which manifests.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// For a pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands: each violation an annotation on its number's line.
    Github,
    /// A GitLab Code Quality report (JSON) of the violations.
    Gitlab,
    /// A SARIF 2.1.0 log of the violations, for code scanning.
    Sarif,
}

impl CheckFormat {
    /// The CI format, when this is one.
    pub(crate) fn ci(self) -> Option<super::ci::CiFormat> {
        match self {
            Self::Github => Some(super::ci::CiFormat::Github),
            Self::Gitlab => Some(super::ci::CiFormat::Gitlab),
            Self::Sarif => Some(super::ci::CiFormat::Sarif),
            _ => None,
        }
    }
}

/// Arguments of `telrep refresh`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["all", "stale_after", "numbers"])))]
pub struct RefreshArgs {
    /// Manifest files, or directories searched recursively for manifests.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Every managed number the enterprise monitors.
    #[arg(long)]
    pub all: bool,

    /// Managed numbers refreshed longer ago than this (`14d`, `12h`), or never.
    #[arg(long, value_name = "DURATION", value_parser = parse_manifest_duration)]
    pub stale_after: Option<std::time::Duration>,

    /// A managed number to refresh (repeatable).
    #[arg(long = "number", value_name = "E164", value_parser = parse_number)]
    pub numbers: Vec<crate::model::E164>,

    /// Refresh without asking (needed when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Refuse when the bill would exceed this many USD.
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    pub max_cost: Option<f64>,

    /// Prices to bill with (JSON or YAML: `per_check` in USD; default 0.10).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,

    /// Where the calls go, and which manifests.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Arguments of `telrep remediate`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["spam_risk", "numbers"])))]
pub struct RemediateArgs {
    /// Manifest files, or directories searched recursively for manifests.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// What the numbers' calls are for (1 to 2,000 characters): what the reviewers read.
    #[arg(long, value_name = "TEXT", value_parser = parse_call_purpose)]
    pub call_purpose: String,

    /// Managed numbers rated this risk or worse (`medium` includes `high`).
    #[arg(long, value_enum, value_name = "RISK")]
    pub spam_risk: Option<RiskFloor>,

    /// A managed number to submit (repeatable).
    #[arg(long = "number", value_name = "E164", value_parser = parse_number)]
    pub numbers: Vec<crate::model::E164>,

    /// Where the reviewers may write back.
    #[arg(long, value_name = "EMAIL", value_parser = parse_contact_email)]
    pub contact_email: Option<String>,

    /// Wait until every request is completed, failed or cancelled, and print its results.
    #[arg(long)]
    pub wait: bool,

    /// How long `--wait` waits before exiting 3 (`30m`, `2h`).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_manifest_duration)]
    pub timeout: std::time::Duration,

    /// Submit without asking (needed when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Refuse when the bill would exceed this many USD.
    #[arg(long, value_name = "USD", value_parser = parse_usd)]
    pub max_cost: Option<f64>,

    /// Prices to bill with (JSON or YAML: `per_remediation` in USD; default 1.00).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,

    /// Where the calls go, and which manifests.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `remediate --spam-risk`: the lowest risk submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RiskFloor {
    /// `high` only.
    High,
    /// `medium` and `high`.
    Medium,
}

/// `--max-cost`: a finite amount of USD, zero or more (`NaN` would let every bill pass).
fn parse_usd(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(amount) if amount.is_finite() && amount >= 0.0 => Ok(amount),
        _ => Err(format!(
            "`{text}` is not an amount of USD: give a number of dollars, zero or more (e.g. 25 or 2.50)"
        )),
    }
}

/// `--call-purpose`: 1 to 2,000 characters, as the API allows.
fn parse_call_purpose(text: &str) -> Result<String, String> {
    let length = text.trim().chars().count();
    if length == 0 || text.chars().count() > 2_000 {
        return Err(format!(
            "the call purpose must be 1 to 2,000 characters (got {}): say what the numbers' calls are for, e.g. \"appointment reminders for patients\"",
            text.chars().count()
        ));
    }
    Ok(text.to_owned())
}

/// `--contact-email`: an address of at most 255 characters, as the API allows.
fn parse_contact_email(text: &str) -> Result<String, String> {
    let valid = text.chars().count() <= 255
        && text
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an email address of at most 255 characters (e.g. ops@example.com)"
        ))
    }
}

/// A duration as the manifest spells it (`0`, or a whole number with ms, s, m, h or d).
fn parse_manifest_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::model::parse_duration(text).ok_or_else(|| {
        format!("`{text}` is not a duration: use a whole number with ms, s, m, h or d (`14d`)")
    })
}

/// What the reading commands share with `plan`.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,

    /// Skip what matches this glob below a directory argument (repeatable).
    #[arg(long, value_name = "GLOB", value_parser = crate::manifest::parse_exclude)]
    pub exclude: Vec<crate::manifest::Glob>,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// RFC 4180, one row per number.
    Csv,
    /// For a pull-request comment or a job summary.
    Markdown,
}

/// Arguments of `telrep ownership confirm`.
#[derive(Debug, clap::Args)]
pub struct OwnershipConfirmArgs {
    /// Manifests (or directories of them) whose enterprises hold the numbers.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A number to confirm (repeatable).
    #[arg(long = "number", required = true, value_name = "E164", value_parser = parse_number)]
    pub numbers: Vec<crate::model::E164>,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,
}

/// Arguments of `telrep ownership webhook`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["url", "clear"])))]
pub struct OwnershipWebhookArgs {
    /// Manifests (or directories of them) whose enterprises it is for.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The https URL to send ownership events to.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Stop sending ownership events.
    #[arg(long)]
    pub clear: bool,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,
}

/// `--number`: an E.164 number, as the manifest writes it.
fn parse_number(text: &str) -> Result<crate::model::E164, NumberError> {
    crate::model::E164::parse(text).ok_or_else(|| NumberError(text.to_owned()))
}

/// A `--number` that is not E.164; clap prints only this message, so it is complete.
#[derive(Debug, thiserror::Error)]
#[error("expected an E.164 number like `+12025551234`, found `{0}`")]
pub struct NumberError(String);

/// `telrep sandbox …`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the simulated API on a loopback address until interrupted.
    #[command(after_help = HELP_SANDBOX_SERVE)]
    Serve(ServeArgs),
}

/// Arguments of `telrep sandbox serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Loopback address to listen on; port 0 picks a free one (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDRESS")]
    pub listen: std::net::SocketAddr,

    /// How long vetting, each LOA review and each review of an ownership proof take: `0`,
    /// or a whole number with `ms`, `s`, `m` or `h`.
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = crate::sandbox::parse_duration)]
    pub approve_after: std::time::Duration,

    /// Reject the vetting of the enterprise with this legal name (repeatable).
    #[arg(long, value_name = "LEGAL_NAME")]
    pub reject: Vec<String>,

    /// Reject the ownership proof (numbers hosted elsewhere) of the enterprise with this
    /// legal name, with a `rejection_reason` (repeatable).
    #[arg(long, value_name = "LEGAL_NAME")]
    pub reject_external: Vec<String>,

    /// The account's phone numbers: one E.164 number a line, optionally followed by a type
    /// such as `toll_free` (default `local`); `#` comments.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,

    /// Keep the state in this file across restarts (written atomically).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Latency added to every API request: `25ms`, or a range `10ms..50ms`.
    #[arg(long, value_name = "DURATION", value_parser = crate::sandbox::parse_latency)]
    pub latency: Option<(std::time::Duration, std::time::Duration)>,

    /// Share of API requests answered with a 500 (`0.1` or `10%`).
    #[arg(long, default_value = "0", value_name = "RATE", value_parser = crate::sandbox::parse_rate)]
    pub error_rate: f64,

    /// Requests a second before 429 with Retry-After (`20/s`).
    #[arg(long, value_name = "N/s", value_parser = crate::sandbox::parse_rate_limit)]
    pub rate_limit: Option<u32>,

    /// Share of API requests whose connection is closed mid-response.
    #[arg(long, default_value = "0", value_name = "RATE", value_parser = crate::sandbox::parse_rate)]
    pub reset_rate: f64,

    /// Seed of ids, reputation data and faults.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Adding this number fails its batch with a 400 although it is in the inventory
    /// (repeatable).
    #[arg(long, value_name = "NUMBER")]
    pub refuse: Vec<String>,

    /// Answer every request to this route with a 500, before acting: `"POST
    /// /enterprises/*/reputation/numbers"` (`*` is any one segment; repeatable).
    #[arg(long, value_name = "METHOD /PATH", value_parser = crate::sandbox::parse_fail_route)]
    pub fail_route: Vec<crate::sandbox::FailRoute>,
}

/// Arguments of `telrep validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Manifest files, or directories searched recursively for manifests (`*.yaml` and
    /// `*.yml` files with `enterprise` or `reputation` at the top).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text` renders problems like a compiler on stderr; `json` prints one object on stdout.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,

    /// Skip what matches this glob below a directory argument, matched against the path
    /// relative to it (`**` crosses directories; repeatable; never applies to a file named
    /// explicitly).
    #[arg(long, value_name = "GLOB", value_parser = crate::manifest::parse_exclude)]
    pub exclude: Vec<crate::manifest::Glob>,
}

/// Arguments of `telrep schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Print the schema of `plan --format json` instead.
    #[arg(long, conflicts_with_all = ["events", "report"])]
    pub plan: bool,

    /// Print the schema of one `apply --format json` event line instead.
    #[arg(long, conflicts_with = "report")]
    pub events: bool,

    /// Print the schema of `report --format json` instead.
    #[arg(long)]
    pub report: bool,
}

/// Arguments of `telrep plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Manifest files, or directories searched recursively for manifests (`*.yaml` and
    /// `*.yml` files with `enterprise` or `reputation` at the top).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// `text` for people, `json` for programs, `markdown` for a pull-request comment.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,

    /// Save the plan (steps, manifest digest, live fingerprint) for `apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 2 when there are changes, 0 when there are none (Terraform's convention).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// The safety rails' overrides.
    #[command(flatten)]
    pub rails: RailArgs,

    /// List every number instead of the first and last few.
    #[arg(long)]
    pub full: bool,

    /// Show personal data (FEIN, contacts, addresses) instead of short hashes.
    #[arg(long)]
    pub show_sensitive: bool,

    /// Prices to estimate with (JSON or YAML: `monitoring_per_month`, `per_check`, in USD).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,

    /// Skip what matches this glob below a directory argument, matched against the path
    /// relative to it (`**` crosses directories; repeatable; never applies to a file named
    /// explicitly).
    #[arg(long, value_name = "GLOB", value_parser = crate::manifest::parse_exclude)]
    pub exclude: Vec<crate::manifest::Glob>,
}

/// Arguments of `telrep apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Manifest files, or directories searched recursively for manifests (`*.yaml` and
    /// `*.yml` files with `enterprise` or `reputation` at the top).
    #[arg(value_name = "PATH", required_unless_present = "plan")]
    pub paths: Vec<PathBuf>,

    /// Execute this saved plan (`plan --out`), refusing it if the manifest or the account
    /// changed since.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// `text`: progress on stderr; `json`: one JSON event per line on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Prices to estimate with (JSON or YAML: `monitoring_per_month`, `per_check`, in USD).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,

    /// After a refused batch, run the later steps anyway.
    #[arg(long)]
    pub keep_going: bool,

    /// Stop before the steps that need vetting or the ownership proof's approval (exit 3).
    #[arg(long)]
    pub no_wait: bool,

    /// The longest wait for vetting or the ownership proof (`30m`, `1h`, `90s`); then exit 3.
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = crate::sandbox::parse_duration)]
    pub approval_timeout: std::time::Duration,

    /// The safety rails' overrides.
    #[command(flatten)]
    pub rails: RailArgs,

    /// Where the calls go.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    #[arg(long)]
    pub allow_outside_paths: bool,

    /// Skip what matches this glob below a directory argument, matched against the path
    /// relative to it (`**` crosses directories; repeatable; never applies to a file named
    /// explicitly).
    #[arg(long, value_name = "GLOB", value_parser = crate::manifest::parse_exclude)]
    pub exclude: Vec<crate::manifest::Glob>,
}

/// Where `plan` and `apply` send their calls.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionArgs {
    /// Use a local sandbox (state in `.telrep/sandbox.json` beside the manifest) instead of
    /// Telnyx: no account, no cost.
    #[arg(long)]
    pub sandbox: bool,

    /// API base URL [default: TELNYX_BASE_URL, else https://api.telnyx.com/v2].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Read the API key from this file instead of TELNYX_API_KEY: a regular file of at most
    /// 4 KiB holding the key on one line.
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,

    /// Requests in flight at once: pages of a listing, and apply's number batches and
    /// removals.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// Retries of a failed call [default: 5 for apply, refresh and remediate, within a
    /// minute of waiting in all; 2 for the other commands, as the official client].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
}

/// `--concurrency`: a whole number of at least 1 (0 would never send a request).
fn parse_concurrency(text: &str) -> Result<usize, ConcurrencyError> {
    match text.parse::<usize>() {
        Ok(0) => Err(ConcurrencyError::Zero),
        Ok(count) => Ok(count),
        Err(_) => Err(ConcurrencyError::NotAWholeNumber(text.to_owned())),
    }
}

/// Why `--concurrency` was refused. clap prints only an error's own message (`invalid
/// value 'X' for '--concurrency <N>': MESSAGE`), never its sources, so each is complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ConcurrencyError {
    /// 0 requests in flight would never send one.
    #[error("must be at least 1 (the number of requests in flight at once)")]
    Zero,
    /// Not a whole number.
    #[error("expected a whole number of at least 1, found `{0}`")]
    NotAWholeNumber(String),
}

/// The flags that accept what the safety rails refuse by default.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct RailArgs {
    /// Accept plans that disable reputation (alone, or to replace an approved LOA).
    #[arg(long)]
    pub allow_disable: bool,

    /// Accept plans that remove more than max(10, 25 %) of the monitored numbers, or all.
    #[arg(long)]
    pub allow_mass_removal: bool,

    /// Upload and link `loa.file` even when the live LOA cannot be compared with it (its
    /// document has no sha256, size or name, or cannot be read).
    #[arg(long)]
    pub replace_loa: bool,
}

impl RailArgs {
    /// The plan options these flags give.
    pub fn options(self) -> crate::plan::PlanOptions {
        crate::plan::PlanOptions {
            allow_disable: self.allow_disable,
            allow_mass_removal: self.allow_mass_removal,
            replace_loa: self.replace_loa,
        }
    }
}

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// For a pull-request comment.
    Markdown,
    /// The live account against the manifest, in manifest form, as a unified diff.
    Diff,
    /// GitHub Actions workflow commands for the plans' errors and warnings.
    Github,
    /// A GitLab Code Quality report (JSON) of the plans' errors and warnings.
    Gitlab,
    /// A SARIF 2.1.0 log of the plans' errors and warnings, for code scanning.
    Sarif,
}

impl PlanFormat {
    /// The CI format, when this is one.
    pub(crate) fn ci(self) -> Option<super::ci::CiFormat> {
        match self {
            Self::Github => Some(super::ci::CiFormat::Github),
            Self::Gitlab => Some(super::ci::CiFormat::Gitlab),
            Self::Sarif => Some(super::ci::CiFormat::Sarif),
            _ => None,
        }
    }
}

/// Output formats of `apply`: progress for people, events for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// Output formats of `validate`: also the CI ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
    /// GitHub Actions workflow commands: each problem an annotation on its line.
    Github,
    /// A GitLab Code Quality report (JSON): each problem an issue in the merge request.
    Gitlab,
    /// A SARIF 2.1.0 log, for code scanning (columns in Unicode scalar values).
    Sarif,
}

impl ValidateFormat {
    /// The CI format, when this is one.
    pub(crate) fn ci(self) -> Option<super::ci::CiFormat> {
        match self {
            Self::Github => Some(super::ci::CiFormat::Github),
            Self::Gitlab => Some(super::ci::CiFormat::Gitlab),
            Self::Sarif => Some(super::ci::CiFormat::Sarif),
            _ => None,
        }
    }
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

// Each command's `--help` ends with examples and its exit codes (a test parses every
// example with the real parser).
const HELP_VALIDATE: &str = "Examples:\n  telrep validate acme.yaml\n  telrep validate --format json manifests/\n\nExit codes: 0 every manifest valid; 1 otherwise";
const HELP_PLAN: &str = "Examples:\n  telrep plan acme.yaml\n  telrep plan --detailed-exitcode --format markdown manifests/\n  telrep plan --out plan.json acme.yaml\n\nExit codes: 0 planned (with --detailed-exitcode: no changes); 1 error or refused plan; 2 changes (--detailed-exitcode)";
const HELP_APPLY: &str = "Examples:\n  telrep apply acme.yaml\n  telrep apply --auto-approve manifests/\n  telrep apply --plan plan.json\n\nExit codes: 0 converged; 1 error, refusal or not converged; 3 vetting or ownership proof pending: run again later; 130/143 interrupted";
const HELP_SCHEMA: &str = "Examples:\n  telrep schema\n  telrep schema --report\n\nExit codes: 0";
const HELP_REPORT: &str = "Examples:\n  telrep report acme.yaml\n  telrep report --format csv manifests/\n\nExit codes: 0 shown; 1 error";
const HELP_CHECK: &str = "Examples:\n  telrep check manifests/\n  telrep check --format markdown acme.yaml\n  telrep check --format sarif manifests/\n\nExit codes: 0 no violation; 2 violations; 1 error, or an enterprise that monitors nothing";
const HELP_REFRESH: &str = "Examples:\n  telrep refresh acme.yaml --stale-after 7d --max-cost 20\n  telrep refresh acme.yaml --number +12025550100 --auto-approve\n\nExit codes: 0 every number refreshed; 1 error, refusal, a failed or unsure number";
const HELP_REMEDIATE: &str = "Examples:\n  telrep remediate acme.yaml --spam-risk high --call-purpose reminders --wait\n  telrep remediate acme.yaml --number +12025550100 --call-purpose reminders --max-cost 5\n\nExit codes: 0 accepted (no --wait) or completed; 1 error, refusal, failed, cancelled or unsure; 3 --timeout ran out";
const HELP_IMPORT: &str = "Examples:\n  telrep import --out manifests/\n  telrep import --out . --enterprise 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30\n  telrep import --out manifests/ --schema ../schema/telrep.schema.json\n\nExit codes: 0 written; 1 error, no or several enterprises, a file exists, the written manifest does not validate";
const HELP_LOA_RENDER: &str = "Examples:\n  telrep loa render acme.yaml --out loa.pdf\n  telrep loa render --sandbox acme.yaml --out loa.pdf\n\nExit codes: 0 written; 1 error, no enterprise yet, refused render";
const HELP_OWNERSHIP_CONFIRM: &str = "Examples:\n  telrep ownership confirm acme.yaml --number +12025550100\n\nExit codes: 0 done; 1 error, a number in none of the enterprises, a refused confirmation";
const HELP_OWNERSHIP_WEBHOOK: &str = "Examples:\n  telrep ownership webhook acme.yaml --url https://hooks.example.com/telnyx\n  telrep ownership webhook acme.yaml --clear\n\nExit codes: 0 done; 1 error";
const HELP_SANDBOX_SERVE: &str = "Examples:\n  telrep sandbox serve --listen 127.0.0.1:8080 --state sandbox.json\n  telrep sandbox serve --latency 25ms --error-rate 10%\n\nExit codes: 130 / 143 stopped by SIGINT / SIGTERM; 1 cannot start";
const HELP_COMPLETIONS: &str =
    "Examples:\n  telrep completions bash\n  telrep completions zsh\n\nExit codes: 0";
const HELP_MAN: &str = "Examples:\n  telrep man\n\nExit codes: 0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_is_at_least_one() {
        assert_eq!(parse_concurrency("4"), Ok(4));
        assert_eq!(
            parse_concurrency("0").unwrap_err().to_string(),
            "must be at least 1 (the number of requests in flight at once)"
        );
        assert_eq!(
            parse_concurrency("many").unwrap_err().to_string(),
            "expected a whole number of at least 1, found `many`"
        );
    }
}
