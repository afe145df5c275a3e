//! `telrep` running in the background with its stderr published as it is written, so a
//! test waits for what telrep says (a step started, a signal heard) instead of the clock;
//! stdout is kept for the whole output.

use std::io::Read as _;
use std::path::Path;
use std::process::{Output, Stdio};

use tokio::sync::watch;

/// What a background `telrep` has written on stderr so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stderr {
    /// The text so far.
    pub text: String,
    /// Whether stderr is closed (the process ended).
    pub closed: bool,
}

/// A background `telrep`.
pub struct Child {
    child: std::process::Child,
    stderr: watch::Receiver<Stderr>,
    reader: std::thread::JoinHandle<Vec<u8>>,
    stdout: std::thread::JoinHandle<Vec<u8>>,
}

impl Child {
    /// Starts `telrep ARGS` in `directory` with a key and no colour, stdin closed, stdout
    /// kept, stderr watched.
    pub fn spawn(directory: &Path, args: &[&str]) -> Self {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args(args)
            .current_dir(directory)
            .env("TELNYX_API_KEY", "test-key-not-secret")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = out.read_to_end(&mut bytes);
            bytes
        });
        let mut pipe = child.stderr.take().unwrap();
        let (sender, receiver) = watch::channel(Stderr::default());
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let mut chunk = [0_u8; 4096];
            loop {
                let read = pipe.read(&mut chunk).unwrap_or(0);
                if read == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&bytes).into_owned();
                sender.send_modify(|stderr| stderr.text = text);
            }
            sender.send_modify(|stderr| stderr.closed = true);
            bytes
        });
        Self {
            child,
            stderr: receiver,
            reader,
            stdout,
        }
    }

    /// Its stderr, updated as it is written.
    pub fn stderr(&self) -> watch::Receiver<Stderr> {
        self.stderr.clone()
    }

    /// Waits, for at most `seconds`, until its stderr holds `text`.
    pub async fn wait_for_stderr(&self, seconds: u64, text: &str) {
        super::wait_until(&mut self.stderr(), seconds, text, |stderr| {
            stderr.text.contains(text)
        })
        .await;
    }

    /// Sends it SIGTERM (it has not been waited for, so its pid is still its own).
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Sends it SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for it to end: its exit status, stdout and stderr.
    pub async fn wait(self) -> Output {
        let Self {
            mut child,
            reader,
            stdout,
            ..
        } = self;
        tokio::task::spawn_blocking(move || {
            let status = child.wait().unwrap();
            Output {
                status,
                stdout: stdout.join().unwrap(),
                stderr: reader.join().unwrap(),
            }
        })
        .await
        .unwrap()
    }
}
