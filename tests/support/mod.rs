//! Running the `telrep` binary and rendering what it did as one snapshot-ready block, the
//! in-process sandbox (`api`), the servers in front of it, the one filter table of every
//! snapshot (`snapshot`), and waiting on a condition with a deadline (`wait_until`).

pub mod api;
pub mod child;
pub mod fleet;
pub mod proxy;
pub mod scripted;
pub mod snapshot;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// tests/fixtures.
pub fn fixtures() -> PathBuf {
    root().join("tests").join("fixtures")
}

/// Runs `telrep ARGS` in `directory` with a clean, colourless environment.
pub fn telrep(directory: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args(args)
        .current_dir(directory)
        .env_remove("TELNYX_API_KEY")
        .env("NO_COLOR", "1")
        .output()
        .expect("run telrep")
}

/// Exit code, stdout and stderr as one block, the unit of every CLI snapshot.
pub fn render(output: &Output) -> String {
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        output
            .status
            .code()
            .map_or_else(|| "signal".to_owned(), |code| code.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    )
}

/// `render(telrep(directory, args))`.
pub fn run(directory: &Path, args: &[&str]) -> String {
    render(&telrep(directory, args))
}

/// Serves `router` on 127.0.0.1:0 until the returned sender is dropped: its address.
pub async fn serve(
    router: axum::Router,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = receiver.await;
            })
            .await
            .unwrap();
    });
    (address, sender)
}

/// Waits until `condition` holds for the value `receiver` watches (it is checked at once,
/// then at every change), for at most `seconds`; the value then. `what` names the wait in
/// the panic of a timeout or of a sender gone before the condition held.
pub async fn wait_until<T: std::fmt::Debug + Clone>(
    receiver: &mut tokio::sync::watch::Receiver<T>,
    seconds: u64,
    what: &str,
    condition: impl FnMut(&T) -> bool,
) -> T {
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(seconds),
        receiver.wait_for(condition),
    )
    .await
    .map(|changed| changed.map(|value| value.clone()));
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(_)) => panic!(
            "{what}: never, and nothing will change: {:?}",
            *receiver.borrow()
        ),
        Err(_) => panic!("{what}: not within {seconds} s: {:?}", *receiver.borrow()),
    }
}

/// Checks `value` against the checked-in schema `schema/NAME`, so every JSON a test reads
/// is also proof that the published schema describes it.
pub fn check_schema(name: &str, value: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schema").join(name)).unwrap())
            .unwrap();
    let errors = api::schema_errors(&schema, value);
    assert_eq!(errors, Vec::<String>::new(), "{name}: {value:#}");
}

/// Checks a `--format sarif` log against the vendored SARIF 2.1.0 schema
/// (`tests/schemas/`), formats included.
pub fn check_sarif(log: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let errors = api::schema_errors(&schema, log);
    assert_eq!(errors, Vec::<String>::new(), "{log:#}");
}
