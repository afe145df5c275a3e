//! Where the API URL and key come from, for every command that talks to Telnyx: flags,
//! then the environment the official clients read, then the default. The key never comes
//! from a manifest.

use std::io::Read as _;
use std::path::Path;

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

/// Resolves the settings; `environment` reads a variable (the real environment in `cli`, a
/// table in tests).
pub fn api_settings(
    api_url: Option<&str>,
    api_key_file: Option<&Path>,
    environment: impl Fn(&str) -> Option<String>,
) -> Result<ApiSettings, String> {
    let base_url = api_url
        .map(str::to_owned)
        .or_else(|| environment("TELNYX_BASE_URL").filter(|url| !url.trim().is_empty()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let api_key = match api_key_file {
        Some(path) => {
            let text = read_key_file(path)?;
            let source = format!("the API key file `{}`", path.display());
            ApiKey::parse(&text).map_err(|problem| refuse(&source, problem))?
        }
        None => match environment("TELNYX_API_KEY") {
            Some(text) => {
                ApiKey::parse(&text).map_err(|problem| refuse("`TELNYX_API_KEY`", problem))?
            }
            None => {
                return Err(
                    "no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)"
                        .to_owned(),
                );
            }
        },
    };
    Ok(ApiSettings { base_url, api_key })
}

/// What is wrong with a key, and the fix, without the key.
fn refuse(source: &str, problem: KeyProblem) -> String {
    match problem {
        KeyProblem::Empty => {
            format!("{source} is empty; help: put the API key in it, on one line")
        }
        KeyProblem::ControlCharacter(position) => format!(
            "{source} has a line break or another control character at character {position} of the key; help: keep only the key, on one line (one trailing newline is allowed)"
        ),
    }
}

/// Reads at most `MAX_KEY_FILE` bytes of a regular file: a FIFO, device or directory is
/// refused before it is opened (reading one could block or never end), and checked again
/// once open.
fn read_key_file(path: &Path) -> Result<String, String> {
    let cannot = |error: std::io::Error| {
        format!("cannot read the API key file `{}`: {error}", path.display())
    };
    let not_regular = || {
        format!(
            "the API key file `{}` is not a regular file (a FIFO, device or directory is never read); help: write the key into a regular file",
            path.display()
        )
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
        return Err(format!(
            "the API key file `{}` is larger than {MAX_KEY_FILE} bytes; help: keep only the key in it, on one line",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        format!(
            "the API key file `{}` is not UTF-8 text; help: keep only the key in it, on one line",
            path.display()
        )
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
            api_settings(None, Some(&file), &both).unwrap_err(),
            format!(
                "the API key file `{}` is empty; help: put the API key in it, on one line",
                file.display()
            )
        );
        assert_eq!(
            api_settings(None, None, environment(&[])).unwrap_err(),
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
            result.map(|settings| settings.api_key.bearer()),
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
                api_settings(None, Some(Path::new(device)), environment(&[])).unwrap_err(),
                format!(
                    "the API key file `{device}` is not a regular file (a FIFO, device or directory is never read); help: write the key into a regular file"
                )
            );
        }
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
            api_settings(None, Some(&fifo), environment(&[])).unwrap_err(),
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
