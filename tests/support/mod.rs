//! Running the `telrep` binary and rendering what it did as one snapshot-ready block, and
//! the in-process sandbox (`api`).

pub mod api;
pub mod fleet;
pub mod proxy;
pub mod scripted;

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
