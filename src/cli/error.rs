//! `CliError`: why a command stopped before or around its library call, each message said
//! once: what failed on top, the system's or the library's reason as the source, so
//! `render_error` shows one `caused by:` line per layer.

use std::path::PathBuf;

use super::settings::SettingsError;
use crate::telnyx::ApiError;

/// Why a command could not do its work; a variant with a `source` never repeats it in its
/// own message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// No usable API URL or key.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The client refused the settings (an API URL telrep will not send a key to).
    #[error(transparent)]
    Client(#[from] ApiError),
    /// `telrep import` could not write a manifest.
    #[error(transparent)]
    Import(#[from] super::import::ImportError),
    /// The async runtime did not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// `--sandbox`: the in-process simulator did not start.
    #[error("cannot start the sandbox")]
    Sandbox(#[source] std::io::Error),
    /// `telrep sandbox serve`: the simulator did not start on the address asked for.
    #[error("cannot start the sandbox on {listen}")]
    SandboxOn {
        /// `--listen`.
        listen: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--inventory FILE` cannot be read.
    #[error("cannot read the inventory `{}`", path.display())]
    ReadInventory {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of `--inventory FILE` does not start with a number.
    #[error(
        "{}:{line}:{column}: expected an E.164 number like `+12025551234`, found `{found}`",
        path.display()
    )]
    InventoryNumber {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the line starts with.
        found: String,
    },
    /// `--prices FILE` cannot be read.
    #[error("cannot read the prices `{}`", path.display())]
    ReadPrices {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--prices FILE` is not a price table.
    #[error(
        "`{}` is not a price table (`monitoring_per_month`, `per_check`, optional `per_remediation`)",
        path.display()
    )]
    NotPrices {
        /// The file.
        path: PathBuf,
        /// What the parser found.
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    /// A file a saved plan digests (the manifest, a numbers file, the LOA) cannot be read.
    #[error("cannot read `{}` to digest it for the saved plan", path.display())]
    Digest {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `plan --out FILE` cannot be written.
    #[error("cannot write the plan `{}`", path.display())]
    WritePlan {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `apply --plan FILE` cannot be read.
    #[error("cannot read the saved plan `{}`", path.display())]
    ReadSaved {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `apply --plan FILE` is not what `plan --out` writes.
    #[error("`{}` is not a saved plan (`telrep plan --out`)", path.display())]
    NotSaved {
        /// The file.
        path: PathBuf,
        /// What the parser found.
        #[source]
        source: serde_json::Error,
    },
    /// The saved plan was made for other manifests.
    #[error("the saved plan has no entry for `{manifest}`")]
    NotInSaved {
        /// The manifest's label.
        manifest: String,
    },
    /// The manifest's files or the account changed since the plan was saved.
    #[error(
        "refusing the saved plan: {}; run `telrep plan --out FILE` again and review it",
        changed.join("; ")
    )]
    Stale {
        /// What changed, in words.
        changed: Vec<String>,
    },
    /// The account could not be read to find the manifest's enterprise.
    #[error("cannot find the enterprise of `{manifest}`")]
    Observe {
        /// The manifest's label.
        manifest: String,
        /// Why.
        #[source]
        source: crate::observe::ObserveError,
    },
    /// `report` or `check` could not read a manifest's account: nothing is shown.
    #[error(
        "cannot read the account of `{manifest}` at `{host}`; nothing was shown: check the network, the key, and `--api-url`, then try again"
    )]
    Unreadable {
        /// The manifest's label.
        manifest: String,
        /// The API host.
        host: String,
        /// Why.
        #[source]
        source: Box<crate::observe::ObserveError>,
    },
    /// `check` on a manifest whose enterprise monitors nothing: no reputation to gate on.
    #[error(
        "`{legal_name}` monitors no number (the enterprise does not exist or Number Reputation is not enabled): nothing to check for `{manifest}`; run `telrep apply` first"
    )]
    NothingMonitored {
        /// The manifest's label.
        manifest: String,
        /// The manifest's legal name.
        legal_name: String,
    },
    /// `refresh --number` for a number that is not a managed, monitored one.
    #[error(
        "`{number}` is not a managed number any manifest's enterprise monitors; nothing was billed: list it in the manifest and run `telrep apply` first"
    )]
    NotManaged {
        /// The number.
        number: String,
    },
    /// The bill is above `--max-cost`.
    #[error("the bill of {bill} is above --max-cost {max}; nothing was billed")]
    OverBudget {
        /// The bill.
        bill: String,
        /// The ceiling.
        max: String,
    },
    /// A billed command without approval.
    #[error(
        "{what}, and was not approved; nothing was billed: pass --auto-approve when not on a terminal"
    )]
    NotApproved {
        /// What needed approval.
        what: String,
    },
    /// An ownership command on an enterprise the account does not have.
    #[error(
        "no enterprise has legal_name `{legal_name}` (or the manifest's `id`): run `telrep apply` for `{manifest}` first"
    )]
    NoEnterprise {
        /// The manifest's label.
        manifest: String,
        /// The manifest's legal name.
        legal_name: String,
    },
    /// `ownership confirm --number` for a number no manifest's enterprise lists.
    #[error("`{number}` is not a number of the manifests' enterprises: nothing was sent for it")]
    NotListed {
        /// The number.
        number: String,
    },
    /// `ownership webhook --url` that is not an https URL.
    #[error("`--url {url}` is not an https URL: Telnyx delivers ownership events over https only")]
    NotHttps {
        /// What was given.
        url: String,
    },
    /// An ownership call failed.
    #[error("{what}")]
    Ownership {
        /// What was asked, for whom.
        what: String,
        /// The API's answer.
        #[source]
        source: ApiError,
    },
    /// `loa render` for an enterprise that does not exist yet.
    #[error(
        "no enterprise has legal_name `{legal_name}` (or the manifest's `id`), so there is no LOA to render: apply `{manifest}` with `reputation: {{enabled: false}}` first, which creates the enterprise without enabling anything (free)"
    )]
    NoEnterpriseForLoa {
        /// The manifest's label.
        manifest: String,
        /// The manifest's legal name.
        legal_name: String,
    },
    /// `loa render` of a directory holding several manifests.
    #[error(
        "`{}` holds {count} manifests, and `loa render` writes one LOA: name the manifest file of the enterprise",
        path.display()
    )]
    LoaOneManifest {
        /// The path given.
        path: PathBuf,
        /// How many manifests it holds.
        count: usize,
    },
    /// `loa render` was refused or answered something else than a PDF.
    #[error("cannot render the LOA of `{legal_name}`")]
    RenderLoa {
        /// The manifest's legal name.
        legal_name: String,
        /// The API's answer.
        #[source]
        source: ApiError,
    },
    /// `loa render --out FILE` cannot be written.
    #[error("cannot write the LOA `{}`", path.display())]
    WriteLoa {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An invariant of telrep itself is broken: a bug, never the input's fault.
    #[error("internal error: {what}; please report it")]
    Internal {
        /// What went wrong.
        what: &'static str,
        /// The library's error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl CliError {
    /// A broken invariant without a library error below it.
    pub(crate) fn internal(what: &'static str) -> Self {
        Self::Internal { what, source: None }
    }

    /// A broken invariant that a library reported.
    pub(crate) fn internal_from(
        what: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            what,
            source: Some(Box::new(source)),
        }
    }
}
