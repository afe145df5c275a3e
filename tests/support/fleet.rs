//! A converged account of a large fleet, written straight into a sandbox state file (adding
//! 100,000 numbers through the API would take 1,000 calls), and the manifest that matches
//! it. Shared by the plan tests and the plan benchmark.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use telrep::sandbox::{CURRENT_TERMS_VERSION, Reputation, StoredDocument, World};
use telrep::telnyx::wire::{
    Document, Enterprise, ReputationNumber, ReputationSettings, TosAgreement,
};

/// The enterprise id in the seeded state.
pub const FLEET_ENTERPRISE: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const DOCUMENT: &str = "2a7e8337-5f1c-4b2e-9d5a-7c3e1f0b6a49";
const NPAS: [u32; 12] = [202, 212, 312, 415, 617, 206, 303, 512, 404, 305, 213, 702];

/// `count` distinct, valid US local numbers spread over 9,600 NPA-NXX blocks.
pub fn fleet_numbers(count: usize) -> Vec<String> {
    let blocks: Vec<(u32, u32)> = NPAS
        .iter()
        .flat_map(|&npa| (200..1000).map(move |nxx| (npa, nxx)))
        .collect();
    (0..count)
        .map(|index| {
            let (npa, nxx) = blocks[index % blocks.len()];
            format!("+1{npa}{nxx}{:04}", index / blocks.len())
        })
        .collect()
}

/// Writes `fleet.yaml` (pinning the LOA by `document_id`, numbers in `fleet.txt`) into
/// `directory` and a matching converged sandbox state into `directory/state.json`; the
/// manifest's path and the state file's.
pub fn converged_fleet(directory: &Path, count: usize) -> (PathBuf, PathBuf) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let numbers = fleet_numbers(count);
    let mut text = String::with_capacity(count * 13);
    for number in &numbers {
        let _ = writeln!(text, "{number}");
    }
    std::fs::write(directory.join("fleet.txt"), text).unwrap();
    let manifest = std::fs::read_to_string(fixtures.join("valid_minimal.yaml"))
        .unwrap()
        .replace(
            "    file: loa/signed.pdf\n",
            &format!("    document_id: {DOCUMENT}\n"),
        )
        .replace("    - \"+12025551234\"\n", "    - file: fleet.txt\n");
    let manifest_path = directory.join("fleet.yaml");
    std::fs::write(&manifest_path, manifest).unwrap();
    let desired = telrep::manifest::load(&manifest_path, Default::default()).unwrap();

    let now = "2026-11-25T03:00:00Z";
    let mut enterprise = serde_json::to_value(&desired.enterprise).unwrap();
    let object = enterprise.as_object_mut().unwrap();
    object.insert("id".to_owned(), json!(FLEET_ENTERPRISE));
    for (key, value) in [
        ("created_at", json!(now)),
        ("updated_at", json!(now)),
        ("number_reputation_enabled", json!(true)),
        ("branded_calling_enabled", json!(false)),
        ("role_type", json!("enterprise")),
        ("corporate_registration_number", Value::Null),
    ] {
        object.insert(key.to_owned(), value);
    }
    let enterprise: Enterprise = serde_json::from_value(enterprise).unwrap();
    let mut world = World {
        agreements: vec![TosAgreement {
            id: "11111111-2222-4333-8444-555555555555".to_owned(),
            agreed_at: now.to_owned(),
            created_at: now.to_owned(),
            product_type: "number_reputation".to_owned(),
            terms_version: CURRENT_TERMS_VERSION.to_owned(),
            version: CURRENT_TERMS_VERSION.to_owned(),
        }],
        enterprises: vec![enterprise],
        documents: vec![StoredDocument {
            document: Document {
                id: DOCUMENT.to_owned(),
                record_type: "document".to_owned(),
                filename: Some("loa.pdf".to_owned()),
                content_type: Some("application/pdf".to_owned()),
                size: None,
                sha256: None,
                status: Some("verified".to_owned()),
                av_scan_status: Some("scanned".to_owned()),
                customer_reference: None,
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            },
        }],
        ..World::default()
    };
    world.reputation.insert(
        FLEET_ENTERPRISE.to_owned(),
        Reputation {
            settings: ReputationSettings {
                enterprise_id: FLEET_ENTERPRISE.to_owned(),
                status: "approved".to_owned(),
                loa_document_id: Some(DOCUMENT.to_owned()),
                loa_status: "approved".to_owned(),
                check_frequency: "business_daily".to_owned(),
                rejection_reasons: None,
                external_verification_status: None,
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            },
            vetting_due_ms: None,
            loa_due_ms: None,
        },
    );
    let records = numbers
        .iter()
        .enumerate()
        .map(|(index, number)| {
            let id = format!("00000000-0000-4000-8000-{index:012}");
            ReputationNumber::added(id, FLEET_ENTERPRISE, number.clone(), now)
        })
        .collect();
    world.numbers.insert(FLEET_ENTERPRISE.to_owned(), records);
    let state = directory.join("state.json");
    world.save(&state).unwrap();
    (manifest_path, state)
}
