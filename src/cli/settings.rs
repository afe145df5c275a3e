//! Where the API URL and key come from, for every command that talks to Telnyx: flags,
//! then the environment the official clients read, then the default. The key never comes
//! from a manifest.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::telnyx::{ApiKey, DEFAULT_BASE_URL, KeyProblem};

/// The largest API key file read, in bytes: a key is about 60 characters, and a bound
/// keeps `--api-key-file /dev/zero` or a mistaken large file from filling memory.
pub const MAX_KEY_FILE: u64 = 4096;

/// The resolved connection settings.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// `--api-url`, else `TELNYX_BASE_URL`, else `https://api.telnyx.com/v2`.
    pub base_url: String,
    /// `--api-key-file`, else `TELNYX_API_KEY`.
    pub api_key: ApiKey,
}

/// Why the connection settings cannot be used, with the fix; never the key itself.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Neither `--api-key-file` nor `TELNYX_API_KEY` gives a key.
    #[error("no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)")]
    NoKey,
    /// The key is empty once its trailing newline and spaces are removed.
    #[error("{place} is empty; help: put the API key in it, on one line")]
    EmptyKey {
        /// Where the key came from.
        place: KeyPlace,
    },
    /// A control character inside the key would break the HTTP header.
    #[error(
        "{place} has a line break or another control character at character {position} of the key; help: keep only the key, on one line (one trailing newline is allowed)"
    )]
    ControlCharacter {
        /// Where the key came from.
        place: KeyPlace,
        /// 1-based character position in the key.
        position: usize,
    },
    /// The key file cannot be read; the system's reason is the source.
    #[error("cannot read the API key file `{}`", path.display())]
    Unreadable {
        /// The `--api-key-file` path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A FIFO, device or directory could block or never end, so it is never read.
    #[error(
        "the API key file `{}` is not a regular file (a FIFO, device or directory is never read); help: write the key into a regular file",
        path.display()
    )]
    NotRegular {
        /// The `--api-key-file` path.
        path: PathBuf,
    },
    /// More than `MAX_KEY_FILE` bytes: not a key file.
    #[error(
        "the API key file `{}` is larger than {MAX_KEY_FILE} bytes; help: keep only the key in it, on one line",
        path.display()
    )]
    TooLarge {
        /// The `--api-key-file` path.
        path: PathBuf,
    },
    /// A key is ASCII; bytes that are not UTF-8 are not one.
    #[error(
        "the API key file `{}` is not UTF-8 text; help: keep only the key in it, on one line",
        path.display()
    )]
    NotUtf8 {
        /// The `--api-key-file` path.
        path: PathBuf,
    },
}

/// Where a refused key came from, so the message names what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlace {
    /// `--api-key-file FILE`.
    File(PathBuf),
    /// `TELNYX_API_KEY`.
    Environment,
}

impl std::fmt::Display for KeyPlace {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(formatter, "the API key file `{}`", path.display()),
            Self::Environment => formatter.write_str("`TELNYX_API_KEY`"),
        }
    }
}

/// Resolves the settings; `environment` reads a variable (the real environment in `cli`, a
/// table in tests).
pub fn api_settings(
    api_url: Option<&str>,
    api_key_file: Option<&Path>,
    environment: impl Fn(&str) -> Option<String>,
) -> Result<ApiSettings, SettingsError> {
    let base_url = api_url
        .map(str::to_owned)
        .or_else(|| environment("TELNYX_BASE_URL").filter(|url| !url.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let (text, place) = match api_key_file {
        Some(path) => (read_key_file(path)?, KeyPlace::File(path.to_owned())),
        None => (
            environment("TELNYX_API_KEY").ok_or(SettingsError::NoKey)?,
            KeyPlace::Environment,
        ),
    };
    let api_key = ApiKey::parse(&text).map_err(|problem| refuse(place, problem))?;
    Ok(ApiSettings { base_url, api_key })
}

/// What is wrong with a key, and the fix, without the key.
fn refuse(place: KeyPlace, problem: KeyProblem) -> SettingsError {
    match problem {
        KeyProblem::Empty => SettingsError::EmptyKey { place },
        KeyProblem::ControlCharacter(position) => {
            SettingsError::ControlCharacter { place, position }
        }
    }
}

/// Reads at most `MAX_KEY_FILE` bytes of a regular file: a FIFO, device or directory is
/// refused before it is opened (reading one could block or never end), and checked again
/// once open.
fn read_key_file(path: &Path) -> Result<String, SettingsError> {
    let cannot = |source: std::io::Error| SettingsError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let not_regular = || SettingsError::NotRegular {
        path: path.to_owned(),
    };
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    if !file.metadata().map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_KEY_FILE {
        return Err(SettingsError::TooLarge {
            path: path.to_owned(),
        });
    }
    String::from_utf8(bytes).map_err(|_| SettingsError::NotUtf8 {
        path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn precedence() {
        let both = environment(&[
            ("TELNYX_BASE_URL", "https://env.example/v2"),
            ("TELNYX_API_KEY", "from-env"),
        ]);
        let settings = api_settings(Some("http://127.0.0.1:9/v2"), None, &both).unwrap();
        assert_eq!(settings.base_url, "http://127.0.0.1:9/v2");
        let settings = api_settings(None, None, &both).unwrap();
        assert_eq!(settings.base_url, "https://env.example/v2");
        assert_eq!(format!("{:?}", settings.api_key), "ApiKey(***)");
        let settings = api_settings(None, None, environment(&[("TELNYX_API_KEY", "k")])).unwrap();
        assert_eq!(settings.base_url, "https://api.telnyx.com/v2");
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("key");
        std::fs::write(&file, "from-file\n").unwrap();
        let settings = api_settings(None, Some(&file), &both).unwrap();
        assert_eq!(format!("{}", settings.api_key), "***");
        std::fs::write(&file, "\n").unwrap();
        assert_eq!(
            api_settings(None, Some(&file), &both)
                .unwrap_err()
                .to_string(),
            format!(
                "the API key file `{}` is empty; help: put the API key in it, on one line",
                file.display()
            )
        );
        assert_eq!(
            api_settings(None, None, environment(&[]))
                .unwrap_err()
                .to_string(),
            "no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)"
        );
    }

    #[track_caller]
    fn file_case(content: &[u8], expected: Result<&str, &str>) {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("key");
        std::fs::write(&file, content).unwrap();
        let result = api_settings(None, Some(&file), environment(&[]));
        let expected =
            expected.map_err(|message| message.replace("FILE", &file.display().to_string()));
        assert_eq!(
            result
                .map(|settings| settings.api_key.bearer())
                .map_err(|error| error.to_string()),
            expected.map(|key| format!("Bearer {key}"))
        );
    }

    #[test]
    fn issue_9_key_files_are_small_regular_files_holding_one_line() {
        file_case(b"KEY1\n", Ok("KEY1"));
        file_case(b"KEY1\r\n", Ok("KEY1"));
        file_case(b"KEY1", Ok("KEY1"));
        file_case(
            b"KEY1\nKEY2\n",
            Err(
                "the API key file `FILE` has a line break or another control character at character 5 of the key; help: keep only the key, on one line (one trailing newline is allowed)",
            ),
        );
        file_case(
            b"",
            Err("the API key file `FILE` is empty; help: put the API key in it, on one line"),
        );
        file_case(
            &[b'K'; 4097],
            Err(
                "the API key file `FILE` is larger than 4096 bytes; help: keep only the key in it, on one line",
            ),
        );
        file_case(&[b'K'; 4096], Ok(&"K".repeat(4096)));
        file_case(
            b"KEY\xff",
            Err(
                "the API key file `FILE` is not UTF-8 text; help: keep only the key in it, on one line",
            ),
        );
        for device in ["/dev/zero", "/dev/null", "/"] {
            assert_eq!(
                api_settings(None, Some(Path::new(device)), environment(&[]))
                    .unwrap_err()
                    .to_string(),
                format!(
                    "the API key file `{device}` is not a regular file (a FIFO, device or directory is never read); help: write the key into a regular file"
                )
            );
        }
    }

    #[test]
    fn an_unreadable_key_file_gives_the_system_reason_as_the_source() {
        let temp = tempfile::tempdir().unwrap();
        let missing = temp.path().join("missing");
        let error = api_settings(None, Some(&missing), environment(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot read the API key file `{}`", missing.display())
        );
        let source = std::error::Error::source(&error).unwrap();
        assert_eq!(
            source.to_string(),
            std::io::Error::from_raw_os_error(2).to_string()
        );
    }

    #[test]
    fn issue_9_a_fifo_is_refused_without_being_opened() {
        let temp = tempfile::tempdir().unwrap();
        let fifo = temp.path().join("key");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO for reading blocks until a writer comes: the answer shows it
        // was refused from its metadata alone.
        assert_eq!(
            api_settings(None, Some(&fifo), environment(&[]))
                .unwrap_err()
                .to_string(),
            format!(
                "the API key file `{}` is not a regular file (a FIFO, device or directory is never read); help: write the key into a regular file",
                fifo.display()
            )
        );
    }

    #[test]
    fn issue_9_the_environment_key_follows_the_same_rules() {
        let error = |value: &'static str| {
            api_settings(None, None, move |name: &str| {
                (name == "TELNYX_API_KEY").then(|| value.to_owned())
            })
            .map(|settings| settings.api_key.bearer())
            .map_err(|error| error.to_string())
        };
        assert_eq!(error("KEY1\n"), Ok("Bearer KEY1".to_owned()));
        assert_eq!(
            error(""),
            Err("`TELNYX_API_KEY` is empty; help: put the API key in it, on one line".to_owned())
        );
        assert_eq!(
            error("KEY1\nKEY2"),
            Err("`TELNYX_API_KEY` has a line break or another control character at character 5 of the key; help: keep only the key, on one line (one trailing newline is allowed)".to_owned())
        );
    }
}
