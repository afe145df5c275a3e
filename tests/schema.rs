//! `telrep schema`, the checked-in schema, and the examples checked against it.

use crate::support::{fixtures, root, telrep};

#[test]
fn checked_in_schema_is_current() {
    let output = telrep(&root(), &["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let checked_in = std::fs::read_to_string(root().join("schema/telrep.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        checked_in,
        "schema/telrep.schema.json is stale: run `cargo run -- schema > schema/telrep.schema.json`"
    );
}

fn yaml_as_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// Every example and valid fixture passes the JSON Schema an editor would use, deserialises
/// through the schema's serde types, and passes `telrep validate`; so the three agree.
#[test]
fn examples_validate_against_the_schema() {
    let manifests = [
        root().join("examples/acme.yaml"),
        fixtures().join("valid_minimal.yaml"),
        fixtures().join("valid_disabled.yaml"),
    ];
    for manifest in &manifests {
        crate::support::check_schema("telrep.schema.json", &yaml_as_json(manifest));
        let text = std::fs::read_to_string(manifest).unwrap();
        let typed: Result<telrep::manifest::Manifest, _> = serde_saphyr::from_str(&text);
        assert!(typed.is_ok(), "{}: {:?}", manifest.display(), typed.err());
        let output = telrep(&root(), &["validate", manifest.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{}", manifest.display());
    }
}

/// The schema refuses what `validate` refuses in the shape of a manifest: unknown keys,
/// enum misspellings, a missing required field.
#[test]
fn schema_rejects_invalid_shapes() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/telrep.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for fixture in [
        "unknown_keys.yaml",
        "bad_enums.yaml",
        "missing_fields.yaml",
        "bad_loa.yaml",
        "version.yaml",
    ] {
        let instance = yaml_as_json(&fixtures().join(fixture));
        assert!(
            !validator.is_valid(&instance),
            "{fixture} should fail the schema"
        );
    }
}
