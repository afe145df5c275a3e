//! The sandbox against the official Telnyx SDK (tests/sdk, `telnyx` 7.24.0 pinned by its
//! lockfile; installed by `npm ci --prefix tests/sdk`): the SDK's own conformance suite, and
//! a parity check that the SDK and telrep's client send the same calls.

use std::path::PathBuf;
use std::process::Command;

use percent_encoding::percent_decode_str;
use serde_json::Value;
use telrep::model::E164;
use telrep::telnyx::{ApiKey, Client, ClientConfig, NumberFilter};

use crate::support::api::{Env, config_with_inventory};
use crate::support::root;

fn sdk_directory() -> PathBuf {
    let directory = root().join("tests/sdk");
    assert!(
        directory.join("node_modules/telnyx/package.json").exists(),
        "the official SDK is not installed: run `npm ci --prefix tests/sdk` (the README's test command does)"
    );
    directory
}

fn node(arguments: &[&str]) -> std::process::Output {
    Command::new("node")
        .args(arguments)
        .current_dir(sdk_directory())
        .env("TELREP_BIN", env!("CARGO_BIN_EXE_telrep"))
        .env_remove("TELNYX_API_KEY")
        // With these set the SDK asks https://api.telnyx.com for an OAuth token whatever
        // its base URL: tests talk to the sandbox only.
        .env_remove("TELNYX_CLIENT_ID")
        .env_remove("TELNYX_CLIENT_SECRET")
        .output()
        .expect("run node")
}

#[test]
fn official_sdk_conformance_suite() {
    let output = node(&["--test", "conformance.test.mjs"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("# pass") || line.starts_with("# fail"))
        .collect();
    assert_eq!(
        (output.status.code(), summary),
        (Some(0), vec!["# pass 6", "# fail 0"]),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What a request looks like on the wire, with ids replaced: method, decoded path, sorted
/// query keys, sorted body keys.
fn normalized(requests: &Value) -> Vec<String> {
    requests["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| {
            let path = percent_decode_str(request["path"].as_str().unwrap())
                .decode_utf8_lossy()
                .into_owned();
            let path: Vec<String> = path
                .split('/')
                .map(|segment| {
                    if segment.len() == 36 && segment.chars().filter(|c| *c == '-').count() == 4 {
                        "{id}".to_owned()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            let mut query: Vec<String> =
                url::form_urlencoded::parse(request["query"].as_str().unwrap().as_bytes())
                    .map(|(key, _)| key.into_owned())
                    .collect();
            query.sort();
            let body: Vec<&str> = request["body_keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| key.as_str().unwrap())
                .collect();
            format!(
                "{} {} ?{} body[{}] {}",
                request["method"].as_str().unwrap(),
                path.join("/"),
                query.join(","),
                body.join(","),
                request["status"]
            )
        })
        .collect()
}

async fn requests(env: &Env) -> Value {
    reqwest::get(format!(
        "http://{}/_sandbox/requests",
        env.sandbox.address()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

/// Reads the settings once: vetting is approved at once here (`approve_after_ms` is 0), so
/// the first read already says so (the SDK script polls, and stops at its first read too).
async fn approved(client: &Client, id: &str) {
    let settings = client.get_reputation(id).await.unwrap().unwrap();
    assert_eq!(settings.status, "approved");
}

#[tokio::test(flavor = "multi_thread")]
async fn telrep_sends_what_the_official_sdk_sends() {
    let inventory = ["+12025551000", "+12025551001", "+12025551002"];
    let sdk_env = Env::start(config_with_inventory(&inventory)).await;
    let base = sdk_env.base();
    let output = tokio::task::spawn_blocking(move || node(&["parity.mjs", &base]))
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let from_sdk = normalized(&requests(&sdk_env).await);

    let env = Env::start(config_with_inventory(&inventory)).await;
    let client = Client::new(ClientConfig::new(env.base(), ApiKey::new("KEY").unwrap())).unwrap();
    let desired =
        telrep::manifest::load(&root().join("examples/acme.yaml"), Default::default()).unwrap();
    let numbers: Vec<E164> = inventory
        .iter()
        .map(|number| E164::parse(number).unwrap())
        .collect();
    client.tos_agree().await.unwrap();
    client.tos_status().await.unwrap();
    let enterprise = client.create_enterprise(&desired.enterprise).await.unwrap();
    client.list_enterprises(Some("Acme Corp")).await.unwrap();
    client.get_enterprise(&enterprise.id).await.unwrap();
    let mut fields = serde_json::Map::new();
    fields.insert("website".to_owned(), serde_json::json!("https://acme.org"));
    client
        .update_enterprise(&enterprise.id, &fields)
        .await
        .unwrap();
    let pdf = std::fs::read(root().join("examples/loa/acme-signed.pdf")).unwrap();
    let document = client
        .upload_document("acme-signed.pdf", &pdf)
        .await
        .unwrap();
    client.get_document(&document.id).await.unwrap();
    client
        .enable_reputation(&enterprise.id, &document.id, Some("daily"))
        .await
        .unwrap();
    approved(&client, &enterprise.id).await;
    client
        .update_frequency(&enterprise.id, "weekly")
        .await
        .unwrap();
    client.add_numbers(&enterprise.id, &numbers).await.unwrap();
    client
        .list_numbers(&enterprise.id, &NumberFilter::All)
        .await
        .unwrap();
    client
        .list_numbers(&enterprise.id, &NumberFilter::Equals(numbers[0]))
        .await
        .unwrap();
    client
        .get_number(&enterprise.id, numbers[0], false)
        .await
        .unwrap();
    client
        .refresh_numbers(&enterprise.id, &numbers)
        .await
        .unwrap();
    client
        .delete_number(&enterprise.id, numbers[0])
        .await
        .unwrap();
    client.list_all_numbers().await.unwrap();
    client.list_phone_numbers(Some("2025551001")).await.unwrap();
    client.disable_reputation(&enterprise.id).await.unwrap();
    let from_telrep = normalized(&requests(&env).await);

    assert_eq!(from_telrep, from_sdk);
    assert_eq!(from_sdk.len(), 20);
}
