//! The sandbox: a local simulator of the Telnyx endpoints telrep uses, with the real rules
//! (docs/api.md) and optional faults, so tests and new users need no account. It shares
//! `telnyx::wire` with the client and never uses the client, `diff` or `apply`.

mod faults;
mod routes;
mod rules;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use faults::{
    FailRoute, FaultError, Faults, parse_duration, parse_fail_route, parse_latency, parse_rate,
    parse_rate_limit,
};
pub use routes::RequestRecord;
pub use rules::Rules;
pub use state::{
    Billing, CURRENT_TERMS_VERSION, ExternalReview, Inventory, Numbers, Reputation, StoredDocument,
    Tracking, Trackings, World,
};

use faults::{RateWindow, Strike};
use rules::Context;

/// Everything `telrep sandbox serve` and `--sandbox` configure.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; only loopback addresses are accepted.
    pub listen: SocketAddr,
    /// The API's behaviour.
    pub rules: Rules,
    /// Numbers to put in the inventory at start, with their type (`local`, `toll_free`, …).
    pub inventory: Vec<(String, String)>,
    /// Persist the state here; `None` keeps it in memory.
    pub state_file: Option<PathBuf>,
    /// Faults to inject.
    pub faults: Faults,
}

/// The state file of a directory's manifests (`DIR/.telrep/sandbox.json`).
pub fn state_file_in(directory: &std::path::Path) -> PathBuf {
    directory.join(".telrep").join("sandbox.json")
}

impl SandboxConfig {
    /// A quiet in-memory sandbox on an ephemeral loopback port that approves vetting at once.
    pub fn local() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            rules: Rules::default(),
            inventory: Vec::new(),
            state_file: None,
            faults: Faults::default(),
        }
    }
}

/// Where `--sandbox` keeps its state: `.telrep/sandbox.json` in the manifest's directory,
/// so repeated runs on the same manifest see the account they left.
pub fn state_file_beside(manifest: &std::path::Path) -> PathBuf {
    state_file_in(
        manifest
            .parent()
            .unwrap_or_else(|| std::path::Path::new("")),
    )
}

impl SandboxConfig {
    /// What `--sandbox` starts for these manifests: loopback, an ephemeral port, state
    /// beside the first manifest, every number the manifests list in the inventory (as
    /// local numbers), and vetting approved after about a second.
    pub fn for_manifests(manifests: &[crate::model::Desired]) -> Self {
        let mut config = Self::local();
        config.rules.approve_after_ms = 1_000;
        config.state_file = manifests
            .first()
            .map(|desired| state_file_beside(&desired.manifest));
        config.inventory = manifests
            .iter()
            .filter_map(|desired| match &desired.reputation {
                crate::model::ReputationSpec::Enabled { numbers, .. } => Some(numbers),
                crate::model::ReputationSpec::Disabled => None,
            })
            .flat_map(|numbers| numbers.numbers.iter())
            .map(|number| {
                // Typed as the real inventory would type it, so toll-free numbers show as such.
                let kind = match crate::manifest::ask_libphonenumber(*number) {
                    crate::manifest::Verdict::UsTollFree => "toll_free",
                    _ => "local",
                };
                (number.to_string(), kind.to_owned())
            })
            .collect();
        config
    }
}

/// State shared by every request.
pub(crate) struct Shared {
    /// Read-locked for the number listings (pages are serialized in parallel, as a
    /// server's workers would), write-locked for everything else.
    world: RwLock<World>,
    rules: Rules,
    state_file: Option<PathBuf>,
    faults: Faults,
    fault_rng: Mutex<fastrand::Rng>,
    limiter: Mutex<RateWindow>,
    requests: Mutex<Vec<RequestRecord>>,
}

impl Shared {
    fn now_ms() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            })
    }

    /// Runs `work` on the world after settling vetting that has come due.
    fn run<T>(&self, work: impl FnOnce(&mut World, Context<'_>) -> T) -> T {
        let context = Context {
            now_ms: Self::now_ms(),
            rules: &self.rules,
        };
        let mut world = self
            .world
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        world.settle(context);
        work(&mut world, context)
    }

    /// Runs `work` on the world, shared with other readers, after settling what has come
    /// due (under the write lock, as `run` does).
    fn read<T>(&self, work: impl FnOnce(&World) -> T) -> T {
        self.run(|_, _| ());
        let world = self
            .world
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&world)
    }

    fn persist(&self) {
        let Some(path) = &self.state_file else {
            return;
        };
        let world = self
            .world
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(error) = world.save(path) {
            tracing::error!("sandbox: cannot save {}: {error}", path.display());
        }
    }

    fn strike(&self, is_write: bool) -> Strike {
        let mut rng = self
            .fault_rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.faults.strike(&mut rng, is_write)
    }

    fn delay(&self) -> Option<Duration> {
        let mut rng = self
            .fault_rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.faults.delay(&mut rng).filter(|delay| !delay.is_zero())
    }

    fn record(&self, record: RequestRecord) {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(record);
    }

    fn requests(&self) -> Vec<RequestRecord> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn clear_requests(&self) {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// A running sandbox; dropping it (or `shutdown`) stops the server.
pub struct Sandbox {
    address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the server on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Self> {
        if !config.listen.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the sandbox listens on loopback addresses only, not {}",
                    config.listen
                ),
            ));
        }
        let mut world = match &config.state_file {
            Some(path) => World::load(path)?,
            None => World::default(),
        };
        let context = Context {
            now_ms: Shared::now_ms(),
            rules: &config.rules,
        };
        world.add_inventory(&config.inventory, context);
        if let Some(path) = &config.state_file {
            world.save(path)?;
        }
        let shared = Arc::new(Shared {
            world: RwLock::new(world),
            fault_rng: Mutex::new(fastrand::Rng::with_seed(config.rules.seed)),
            rules: config.rules,
            state_file: config.state_file,
            faults: config.faults,
            limiter: Mutex::new(RateWindow::default()),
            requests: Mutex::new(Vec::new()),
        });
        let router = axum::Router::new()
            .fallback(routes::handle)
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let address = listener.local_addr()?;
        let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = receiver.await;
            });
            if let Err(error) = server.await {
                tracing::error!("sandbox server stopped: {error}");
            }
        });
        Ok(Self {
            address,
            shutdown: Some(sender),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The API base URL to give a client: `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.address)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server ends (for `telrep sandbox serve`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}
