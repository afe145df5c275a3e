use super::*;

fn enterprise(legal_name: &str, id: &str) -> Enterprise {
    let value = serde_json::json!({
        "id": id,
        "legal_name": legal_name,
        "doing_business_as": "Acme",
        "organization_type": "commercial",
        "country_code": "US",
        "website": "https://acme.example",
        "fein": "12-3456789",
        "industry": "technology",
        "number_of_employees": "51-200",
        "organization_legal_type": "corporation",
        "jurisdiction_of_incorporation": "Delaware",
        "organization_contact": {"first_name": "Jane", "last_name": "O'Hara",
            "email": "jane@acme.example", "job_title": "CTO", "phone_number": "+12025551234"},
        "billing_contact": {"first_name": "Bill", "last_name": "Payer",
            "email": "billing@acme.example", "phone_number": "+12025551234"},
        "organization_physical_address": {"country": "US", "administrative_area": "CA",
            "city": "San Francisco", "postal_code": "94105", "street_address": "123 Main St: rear",
            "extended_address": null},
        "billing_address": {"country": "US", "administrative_area": "CA",
            "city": "San Francisco", "postal_code": "04105", "street_address": "PO Box 7"},
        "role_type": "enterprise",
        "corporate_registration_number": null,
        "number_reputation_enabled": true,
        "created_at": "2026-11-01T00:00:00Z"
    });
    serde_json::from_value(value).unwrap()
}

const ID: &str = "4a6192a4-0000-4000-8000-000000000001";

fn numbers(count: u32) -> Vec<E164> {
    (0..count)
        .map(|index| E164::parse(&format!("+1202555{:04}", 1000 + index)).unwrap())
        .collect()
}

#[test]
fn file_names_come_from_the_legal_name() {
    assert_eq!(file_name("Acme Corp"), "acme-corp");
    assert_eq!(file_name("  Acme (US), Inc. "), "acme-us-inc");
    assert_eq!(file_name("Zürich AG"), "z-rich-ag");
    assert_eq!(file_name("***"), "enterprise");
}

#[test]
fn scalars_are_plain_only_when_they_read_back_as_the_same_string() {
    assert_eq!(scalar("Acme Corp"), "Acme Corp");
    assert_eq!(scalar("jane@acme.example"), "jane@acme.example");
    assert_eq!(scalar("O'Hara"), "O'Hara");
    for quoted in [
        "+12025551234",
        "94105",
        "51-200",
        "https://acme.example",
        "123 Main St: rear",
        "yes",
        "No",
        "null",
        "a # b",
        "trailing ",
        "",
        "line\nbreak",
        "\"quoted\"",
    ] {
        let written = scalar(quoted);
        assert!(written.starts_with('"'), "{quoted:?} was written plain");
        assert_eq!(
            serde_json::from_str::<String>(&written).unwrap(),
            quoted,
            "{written}"
        );
    }
}

#[test]
fn a_manifest_lists_up_to_50_numbers_inline_sorted_with_prune_false() {
    let imported = Imported {
        enterprise: enterprise("Acme Corp", ID),
        reputation: Some(ImportedReputation {
            loa_document_id: "2a7e8337-0000-4000-8000-00000000000a".to_owned(),
            check_frequency: "daily".to_owned(),
            numbers: numbers(2),
            proof: None,
        }),
    };
    let text = manifest_text("# header\n", &imported, None);
    assert_eq!(
        text,
        r#"# header
version: 1
enterprise:
  id: "4a6192a4-0000-4000-8000-000000000001"
  legal_name: Acme Corp
  doing_business_as: Acme
  organization_type: commercial
  country_code: US
  website: "https://acme.example"
  fein: "12-3456789"
  industry: technology
  number_of_employees: "51-200"
  organization_legal_type: corporation
  jurisdiction_of_incorporation: Delaware
  organization_contact:
    first_name: Jane
    last_name: O'Hara
    email: jane@acme.example
    job_title: CTO
    phone_number: "+12025551234"
  billing_contact:
    first_name: Bill
    last_name: Payer
    email: billing@acme.example
    phone_number: "+12025551234"
  organization_physical_address:
    country: US
    administrative_area: CA
    city: San Francisco
    postal_code: "94105"
    street_address: "123 Main St: rear"
  billing_address:
    country: US
    administrative_area: CA
    city: San Francisco
    postal_code: "04105"
    street_address: PO Box 7
  role_type: enterprise
reputation:
  enabled: true
  loa:
    document_id: "2a7e8337-0000-4000-8000-00000000000a"
  check_frequency: daily
  numbers:
    - "+12025551000"
    - "+12025551001"
  prune: false
"#
    );
}

#[test]
fn beyond_50_numbers_the_manifest_names_the_file_and_a_proof_is_kept() {
    let imported = Imported {
        enterprise: enterprise("Acme Corp", ID),
        reputation: Some(ImportedReputation {
            loa_document_id: "doc-1".to_owned(),
            check_frequency: "business_daily".to_owned(),
            numbers: numbers(51),
            proof: Some(vec!["proof-1".to_owned(), "proof-2".to_owned()]),
        }),
    };
    let text = manifest_text("", &imported, Some("numbers/acme-corp.txt"));
    let reputation = &text[text.find("reputation:").unwrap()..];
    assert_eq!(
        reputation,
        "reputation:\n  enabled: true\n  loa:\n    document_id: \"doc-1\"\n  check_frequency: business_daily\n  external_verification:\n    document_ids:\n      - \"proof-1\"\n      - \"proof-2\"\n  numbers:\n    - file: numbers/acme-corp.txt\n  prune: false\n"
    );
    let file = numbers_text("# h\n", &numbers(51));
    assert_eq!(file.lines().count(), 52);
    assert_eq!(file.lines().nth(1), Some("+12025551000"));
}

#[test]
fn a_disabled_enterprise_is_written_disabled() {
    let imported = Imported {
        enterprise: enterprise("Acme Corp", ID),
        reputation: None,
    };
    let text = manifest_text("", &imported, None);
    assert!(text.ends_with("  role_type: enterprise\nreputation:\n  enabled: false\n"));
}

#[test]
fn the_header_names_the_enterprise_and_the_schema_comes_first() {
    let now: jiff::Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
    assert_eq!(
        header(
            Some("../schema/telrep.schema.json"),
            &enterprise("Acme\nCorp\u{2028}X", ID),
            now
        ),
        "# yaml-language-server: $schema=../schema/telrep.schema.json\n# Imported by `telrep import` at 2026-12-03T10:00:00Z from the enterprise Acme Corp X (4a6192a4-0000-4000-8000-000000000001).\n"
    );
}

#[test]
fn the_enterprise_is_the_only_one_or_the_one_named() {
    let two = || {
        vec![
            enterprise("Acme Corp", "id-1"),
            enterprise("Beta LLC", "id-2"),
        ]
    };
    assert_eq!(choose(two(), Some("Beta LLC"), "h").unwrap().id, "id-2");
    assert_eq!(choose(two(), Some("ID-1"), "h").unwrap().id, "id-1");
    assert_eq!(
        choose(vec![enterprise("Acme Corp", "id-1")], None, "h")
            .unwrap()
            .id,
        "id-1"
    );
    assert_eq!(
        choose(two(), None, "h").unwrap_err().to_string(),
        "the account has 2 enterprises; nothing was written: name one with `--enterprise ID` or `--enterprise LEGAL_NAME`: `Acme Corp` (id-1), `Beta LLC` (id-2)"
    );
    assert_eq!(
        choose(two(), Some("Beta"), "h").unwrap_err().to_string(),
        "no enterprise has the id or legal name `Beta`; nothing was written: the account has `Acme Corp` (id-1), `Beta LLC` (id-2)"
    );
    assert_eq!(
        choose(Vec::new(), None, "api.telnyx.com")
            .unwrap_err()
            .to_string(),
        "the account at `api.telnyx.com` has no enterprise to import; nothing was written: write a manifest by hand (see `examples/`) and apply it"
    );
}

/// The keys written are exactly the manifest's: a field added to the manifest must be
/// imported too.
#[test]
fn the_keys_written_are_the_manifests_keys() {
    let schema = schemars::schema_for!(crate::model::EnterpriseSpec);
    let schema = schema.as_value();
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let sorted = |keys: &[&str]| -> Vec<String> {
        let mut keys: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(schema), sorted(crate::manifest::ENTERPRISE_FIELDS));
    let mut nested_blocks = 0;
    for (key, property) in schema["properties"].as_object().unwrap() {
        // Every block of the schema has its keys, and no plain value has any.
        let definition = property["$ref"]
            .as_str()
            .and_then(|reference| reference.rsplit('/').next())
            .map(|name| &schema["$defs"][name])
            .filter(|definition| definition["properties"].is_object());
        match definition {
            Some(definition) => {
                assert_eq!(keys(definition), sorted(nested_keys(key)), "{key}");
                nested_blocks += 1;
            }
            None => assert!(nested_keys(key).is_empty(), "{key}"),
        }
    }
    assert_eq!(nested_blocks, 4);
}

#[test]
fn hostile_live_text_stays_one_yaml_string() {
    for hostile in [
        "Acme\u{7f}Corp",
        "Acme\u{85}Corp",
        "Acme\u{2028}Corp\u{2029}",
        "Acme\u{9b}[2J",
        "- a: b # c",
        "x\n  policy:\n    max_spam_risk: high",
        "\ttab\r",
        "\u{feff}bom",
        "\"quoted\" \\ back",
    ] {
        let line = format!("key: {}\n", scalar(hostile));
        let value: serde_json::Value = serde_saphyr::from_str(&line)
            .unwrap_or_else(|error| panic!("{hostile:?} wrote {line:?}: {error}"));
        assert_eq!(value, serde_json::json!({ "key": hostile }), "{line:?}");
    }
    assert_eq!(quoted("a\u{2028}b"), "\"a\\u2028b\"");
}

#[test]
fn a_legal_name_two_enterprises_share_is_not_guessed() {
    let same = vec![
        enterprise("Acme Corp", "id-1"),
        enterprise("Acme Corp", "id-2"),
    ];
    assert_eq!(
        choose(same, Some("Acme Corp"), "h")
            .unwrap_err()
            .to_string(),
        "2 enterprises have the legal name `Acme Corp`; nothing was written: name one by id with `--enterprise ID`: `Acme Corp` (id-1), `Acme Corp` (id-2)"
    );
    assert_eq!(
        choose(Vec::new(), Some("Acme Corp"), "api.telnyx.com")
            .unwrap_err()
            .to_string(),
        "the account at `api.telnyx.com` has no enterprise to import; nothing was written: write a manifest by hand (see `examples/`) and apply it"
    );
}
