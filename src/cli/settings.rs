//! Where the API URL and key come from, for every command that talks to Telnyx: flags,
//! then the environment the official clients read, then the default. The key never comes
//! from a manifest.

use std::path::Path;

use crate::telnyx::{ApiKey, DEFAULT_BASE_URL};

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
            let text = std::fs::read_to_string(path).map_err(|error| {
                format!("cannot read the API key file `{}`: {error}", path.display())
            })?;
            ApiKey::new(&text)
                .ok_or_else(|| format!("the API key file `{}` is empty", path.display()))?
        }
        None => environment("TELNYX_API_KEY")
            .and_then(|key| ApiKey::new(&key))
            .ok_or_else(|| {
                "no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)"
                    .to_owned()
            })?,
    };
    Ok(ApiSettings { base_url, api_key })
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
            format!("the API key file `{}` is empty", file.display())
        );
        assert_eq!(
            api_settings(None, None, environment(&[])).unwrap_err(),
            "no API key: set TELNYX_API_KEY or pass --api-key-file FILE (or use --sandbox)"
        );
    }
}
