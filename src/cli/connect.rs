//! What the commands that talk HTTP share: the async runtime, the client (or the
//! in-process sandbox under `--sandbox`), and the wait for SIGINT / SIGTERM.

use std::io::Write;

use super::ExitCode;
use super::args::ConnectionArgs;
use super::error::CliError;
use super::settings::api_settings;
use crate::model::Desired;
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::telnyx::{ApiKey, Client, ClientConfig, RetryPolicy};

/// The client, and the sandbox it talks to under `--sandbox`.
/// `retry` is the command's policy, which `--max-retries` overrides.
pub(crate) async fn connect(
    args: &ConnectionArgs,
    desireds: &[Desired],
    retry: RetryPolicy,
) -> Result<(Client, Option<Sandbox>), CliError> {
    let config = args.sandbox.then(|| SandboxConfig::for_manifests(desireds));
    connect_to(args, config, retry).await
}

/// The same for a command without manifests (`import`): under `--sandbox` its state lives
/// in `state`, where the manifests it writes will find it.
pub(crate) async fn connect_with_state(
    args: &ConnectionArgs,
    state: Option<std::path::PathBuf>,
) -> Result<(Client, Option<Sandbox>), CliError> {
    let config = args.sandbox.then(|| {
        let mut config = SandboxConfig::for_manifests(&[]);
        config.state_file = state;
        config
    });
    connect_to(args, config, RetryPolicy::OFFICIAL).await
}

async fn connect_to(
    args: &ConnectionArgs,
    sandbox_config: Option<SandboxConfig>,
    retry: RetryPolicy,
) -> Result<(Client, Option<Sandbox>), CliError> {
    let (base_url, api_key, sandbox) = if let Some(config) = sandbox_config {
        let state = config.state_file.clone();
        let sandbox = Sandbox::start(config).await.map_err(CliError::Sandbox)?;
        let _ = writeln!(
            anstream::stderr(),
            "telrep: using a local sandbox at {} (state in {}); nothing is sent to Telnyx",
            sandbox.base_url(),
            state
                .as_deref()
                .map_or_else(|| "memory".to_owned(), |path| path.display().to_string())
        );
        let key = ApiKey::new("telrep-sandbox-key-not-secret")
            .ok_or_else(|| CliError::internal("the sandbox's API key was refused"))?;
        (sandbox.base_url(), key, Some(sandbox))
    } else {
        let settings = api_settings(
            args.api_url.as_deref(),
            args.api_key_file.as_deref(),
            |name| std::env::var(name).ok(),
        )?;
        (settings.base_url, settings.api_key, None)
    };
    let mut config = ClientConfig::new(base_url, api_key);
    config.concurrency = args.concurrency.max(1);
    config.retry = retry.with_max_retries(args.max_retries);
    let client = Client::new(config)?;
    Ok((client, sandbox))
}

/// The async runtime of the commands that talk HTTP.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

/// SIGINT and SIGTERM, listened for from the moment this is made (not from the first
/// poll), so a signal that arrives early is not the default, immediate kill.
pub(crate) struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers now.
    pub(crate) fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Waits for either; the exit code each asks for (130 / 143).
    pub(crate) async fn received(mut self) -> ExitCode {
        #[cfg(unix)]
        {
            let interrupt = async {
                match &mut self.interrupt {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            let terminate = async {
                match &mut self.terminate {
                    Some(signal) => signal.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = interrupt => ExitCode::Interrupted,
                _ = terminate => ExitCode::Terminated,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            ExitCode::Interrupted
        }
    }
}
