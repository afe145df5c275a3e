//! The text and JSON renderers over fixed plans, whole output each (as ripgrep's printer
//! tests do): a plan is built in code, rendered, and compared with its inline snapshot, so
//! any change to a renderer shows as a diff of what people and programs read.

#![allow(
    clippy::too_many_lines,
    reason = "a whole rendered plan is the point of each test"
)]

use super::{RenderOptions, masked, render_json, render_text};
use crate::model::{CheckFrequency, E164};
use crate::plan::cost::Charge;
use crate::plan::{
    Action, Cost, Detail, FORMAT_VERSION, FieldChange, Plan, PlanDiagnostic, PlanEnterprise,
    Prices, Severity, Step, Warning,
};

const ID: &str = "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30";
const NUMBERS_PATH: &str = "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers";

fn number(text: &str) -> E164 {
    E164::parse(text).unwrap()
}

/// A plan for Acme Corp with these steps, cost and unmanaged numbers; its summary derived
/// from them as `diff` does.
fn plan(id: Option<&str>, steps: Vec<Step>, cost: Cost, unmanaged: Vec<String>) -> Plan {
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        manifest: "acme.yaml".to_owned(),
        enterprise: PlanEnterprise {
            id: id.map(str::to_owned),
            legal_name: Some("Acme Corp".to_owned()),
        },
        changes: !steps.is_empty(),
        steps,
        unmanaged,
        errors: Vec::new(),
        summary: None,
        diagnostics: Vec::new(),
        warnings: Vec::new(),
        cost: None,
        fingerprint: Some(
            "sha256:0d6ff1c2b1b8e5c7a2f39e4d6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b".to_owned(),
        ),
        observed: true,
    };
    plan.summary = Some(plan.summarize(&cost));
    plan.cost = Some(cost);
    plan
}

/// An `add_numbers` step at `path` (`{enterprise_id}` before the enterprise exists).
fn add_numbers(path: &str, (batch, of): (usize, usize), numbers: &[&str]) -> Step {
    Step::new(
        Action::AddNumbers,
        path.to_owned(),
        format!(
            "batch {batch} of {of}: {} not monitored yet",
            crate::plan::Count::new(numbers.len(), "number", "numbers")
        ),
    )
    .with(Detail::AddNumbers {
        phone_numbers: numbers.iter().map(|text| number(text)).collect(),
    })
}

fn remove_number(text: &str) -> Step {
    Step::new(
        Action::RemoveNumber,
        format!("{NUMBERS_PATH}/{}", text.replace('+', "%2B")),
        "monitored live but not in the manifest (`prune: true`)".to_owned(),
    )
    .with(Detail::RemoveNumber {
        phone_number: number(text),
    })
}

fn text(plan: &Plan, options: RenderOptions) -> String {
    let mut out = Vec::new();
    render_text(std::slice::from_ref(plan), options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json(plan: &Plan) -> String {
    let mut out = Vec::new();
    render_json(std::slice::from_ref(plan), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The options of a plain `telrep plan`: shortened lists, no colour, built-in prices.
fn plain() -> RenderOptions {
    RenderOptions {
        full: false,
        color: false,
        default_prices: Some(Prices::default()),
    }
}

#[test]
fn an_empty_converged_plan() {
    let cost = Cost {
        apply_charges: Vec::new(),
        apply_total: 0.0,
        monthly_before: 106.53,
        monthly_after: 106.53,
    };
    let plan = plan(Some(ID), Vec::new(), cost, Vec::new());
    insta::assert_snapshot!(text(&plan, plain()), @r"
    Enterprise Acme Corp (id 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30), manifest acme.yaml

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $106.53, unchanged
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    No changes. The account matches the manifest.
    ");
    insta::assert_snapshot!(json(&plan), @r#"
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30",
        "legal_name": "Acme Corp"
      },
      "changes": false,
      "steps": [],
      "unmanaged": [],
      "errors": [],
      "summary": {
        "create": 0,
        "update": 0,
        "add_numbers": 0,
        "remove_numbers": 0,
        "has_disable": false,
        "billable": false,
        "apply_total": 0.0,
        "monthly_before": 106.53,
        "monthly_after": 106.53
      },
      "diagnostics": [],
      "warnings": [],
      "cost": {
        "apply_charges": [],
        "apply_total": 0.0,
        "monthly_before": 106.53,
        "monthly_after": 106.53
      },
      "fingerprint": "sha256:0d6ff1c2b1b8e5c7a2f39e4d6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
    }
    "#);
}

#[test]
fn a_first_plan_with_billable_steps_and_their_cost() {
    let steps = vec![
        Step::new(
            Action::AcceptTerms,
            "/terms_of_service/number_reputation/agree".to_owned(),
            "the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are".to_owned(),
        ),
        Step::new(
            Action::CreateEnterprise,
            "/enterprises".to_owned(),
            "no enterprise has legal_name `Acme Corp`".to_owned(),
        ),
        Step::new(
            Action::UploadLoa,
            "/documents".to_owned(),
            "upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content".to_owned(),
        ),
        Step::new(
            Action::EnableReputation,
            "/enterprises/{enterprise_id}/reputation".to_owned(),
            "Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `daily`".to_owned(),
        ),
        Step::new(
            Action::WaitForVetting,
            "/enterprises/{enterprise_id}/reputation".to_owned(),
            "enable starts vetting; numbers can be added once `status` and `loa_status` are both approved".to_owned(),
        ),
        add_numbers(
            "/enterprises/{enterprise_id}/reputation/numbers",
            (1, 2),
            &[
                "+12025550100",
                "+12025550101",
                "+12025550102",
                "+12025550103",
                "+12025550104",
                "+12025550105",
                "+12025550106",
            ],
        ),
        add_numbers(
            "/enterprises/{enterprise_id}/reputation/numbers",
            (2, 2),
            &["+13125550100", "+13125550101"],
        ),
    ];
    let cost = Cost {
        apply_charges: vec![
            Charge {
                what: "enable Number Reputation (monthly monitoring, charged at enable)".to_owned(),
                amount: 100.0,
            },
            Charge {
                what: "9 numbers added, one check each (estimate)".to_owned(),
                amount: 0.9,
            },
        ],
        apply_total: 100.9,
        monthly_before: 0.0,
        monthly_after: 127.38,
    };
    let plan = plan(None, steps, cost, Vec::new());
    let shortened = text(&plan, plain());
    insta::assert_snapshot!(shortened, @"
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    + accept_terms  POST /terms_of_service/number_reputation/agree
        the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are
    + create_enterprise  POST /enterprises
        no enterprise has legal_name `Acme Corp`
    + upload_loa  POST /documents
        upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content
    + enable_reputation  POST /enterprises/{enterprise_id}/reputation  [billable]
        Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `daily`
    = wait_for_vetting  GET /enterprises/{enterprise_id}/reputation
        enable starts vetting; numbers can be added once `status` and `loa_status` are both approved
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 1 of 2: 7 numbers not monitored yet
          +12025550100, +12025550101, +12025550102, … 2 more …, +12025550105, +12025550106
    + add_numbers  POST /enterprises/{enterprise_id}/reputation/numbers  [billable]
        batch 2 of 2: 2 numbers not monitored yet
          +13125550100, +13125550101

    Cost
      apply bills $100.90:
        enable Number Reputation (monthly monitoring, charged at enable): $100.00
        9 numbers added, one check each (estimate): $0.90
      monthly (monitoring and auto-refresh): $0.00 → $127.38
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 4 to create, 9 numbers to add, 0 to remove, 0 to change.
    ");
    // `--full` lists every number of the batch, and changes nothing else.
    let full = text(
        &plan,
        RenderOptions {
            full: true,
            ..plain()
        },
    );
    assert_eq!(
        full,
        shortened.replace(
            "+12025550102, … 2 more …, +12025550105",
            "+12025550102, +12025550103, +12025550104, +12025550105"
        )
    );
    insta::assert_snapshot!(json(&plan), @r#"
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": null,
        "legal_name": "Acme Corp"
      },
      "changes": true,
      "steps": [
        {
          "action": "accept_terms",
          "method": "POST",
          "path": "/terms_of_service/number_reputation/agree",
          "billable": false,
          "reason": "the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are"
        },
        {
          "action": "create_enterprise",
          "method": "POST",
          "path": "/enterprises",
          "billable": false,
          "reason": "no enterprise has legal_name `Acme Corp`"
        },
        {
          "action": "upload_loa",
          "method": "POST",
          "path": "/documents",
          "billable": false,
          "reason": "upload `loa/signed.pdf` (sha256 6ec26c386953…); no live LOA has its content"
        },
        {
          "action": "enable_reputation",
          "method": "POST",
          "path": "/enterprises/{enterprise_id}/reputation",
          "billable": true,
          "reason": "Number Reputation is not enabled: enable with loa_document_id `{uploaded_document_id}` and check_frequency `daily`"
        },
        {
          "action": "wait_for_vetting",
          "method": "GET",
          "path": "/enterprises/{enterprise_id}/reputation",
          "billable": false,
          "reason": "enable starts vetting; numbers can be added once `status` and `loa_status` are both approved"
        },
        {
          "action": "add_numbers",
          "method": "POST",
          "path": "/enterprises/{enterprise_id}/reputation/numbers",
          "billable": true,
          "reason": "batch 1 of 2: 7 numbers not monitored yet",
          "phone_numbers": [
            "+12025550100",
            "+12025550101",
            "+12025550102",
            "+12025550103",
            "+12025550104",
            "+12025550105",
            "+12025550106"
          ]
        },
        {
          "action": "add_numbers",
          "method": "POST",
          "path": "/enterprises/{enterprise_id}/reputation/numbers",
          "billable": true,
          "reason": "batch 2 of 2: 2 numbers not monitored yet",
          "phone_numbers": [
            "+13125550100",
            "+13125550101"
          ]
        }
      ],
      "unmanaged": [],
      "errors": [],
      "summary": {
        "create": 4,
        "update": 0,
        "add_numbers": 9,
        "remove_numbers": 0,
        "has_disable": false,
        "billable": true,
        "apply_total": 100.9,
        "monthly_before": 0.0,
        "monthly_after": 127.38
      },
      "diagnostics": [],
      "warnings": [],
      "cost": {
        "apply_charges": [
          {
            "what": "enable Number Reputation (monthly monitoring, charged at enable)",
            "amount": 100.0
          },
          {
            "what": "9 numbers added, one check each (estimate)",
            "amount": 0.9
          }
        ],
        "apply_total": 100.9,
        "monthly_before": 0.0,
        "monthly_after": 127.38
      },
      "fingerprint": "sha256:0d6ff1c2b1b8e5c7a2f39e4d6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
    }
    "#);
}

#[test]
fn changes_to_a_live_account_with_unmanaged_numbers_and_a_warning() {
    let reputation = format!("/enterprises/{ID}/reputation");
    let steps = vec![
        Step::new(
            Action::UpdateEnterprise,
            format!("/enterprises/{ID}"),
            "2 fields differ from the manifest".to_owned(),
        )
        .with(Detail::UpdateEnterprise {
            fields: vec![
                FieldChange {
                    field: "fein".to_owned(),
                    old: Some("12-3456789".to_owned()),
                    new: Some("98-7654321".to_owned()),
                },
                FieldChange {
                    field: "website".to_owned(),
                    old: None,
                    new: Some("https://acme.example".to_owned()),
                },
            ],
        }),
        Step::new(
            Action::UpdateLoa,
            format!("{reputation}/loa"),
            "the manifest's LOA differs from the live one, whose review is `pending`".to_owned(),
        )
        .with(Detail::UpdateLoa {
            live: Some("226d2a26-ba7a-4d06-b7b8-ca597e77887e".to_owned()),
            desired: "{uploaded_document_id}".to_owned(),
        }),
        Step::new(
            Action::UpdateFrequency,
            format!("{reputation}/frequency"),
            "the refresh frequency differs; it takes effect at the next scheduled refresh"
                .to_owned(),
        )
        .with(Detail::UpdateFrequency {
            live: "business_daily".to_owned(),
            desired: CheckFrequency::Weekly,
        }),
        remove_number("+12025550109"),
    ];
    let cost = Cost {
        apply_charges: Vec::new(),
        apply_total: 0.0,
        monthly_before: 121.75,
        monthly_after: 103.47,
    };
    let mut plan = plan(
        Some(ID),
        steps,
        cost,
        vec!["+12025550110".to_owned(), "+12025550111".to_owned()],
    );
    plan.warnings.push(Warning {
        rule: "similar_enterprise".to_owned(),
        message: "an enterprise with a similar legal name exists: `Acme Corp (US)` (`0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`)".to_owned(),
        phone_number: None,
        confirm_by: None,
    });
    // As `telrep plan` shows it: personal data as short hashes, the built-in prices unsaid.
    let shown = masked(&plan);
    insta::assert_snapshot!(text(&shown, RenderOptions::default()), @"
    Enterprise Acme Corp (id 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30), manifest acme.yaml

    ~ update_enterprise  PUT /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30
        2 fields differ from the manifest
          fein: sha256:489553f3 → sha256:dff6c588
          website: (unset) → https://acme.example
    ~ update_loa  PATCH /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/loa
        the manifest's LOA differs from the live one, whose review is `pending`
          226d2a26-ba7a-4d06-b7b8-ca597e77887e → {uploaded_document_id}
    ~ update_frequency  PATCH /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/frequency
        the refresh frequency differs; it takes effect at the next scheduled refresh
          business_daily → weekly
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550109
        monitored live but not in the manifest (`prune: true`)
          +12025550109

    Unmanaged: 2 numbers monitored live but not in the manifest (`prune: false` keeps them)
          +12025550110, +12025550111

    Warnings:
      - an enterprise with a similar legal name exists: `Acme Corp (US)` (`0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`)

    Cost
      apply bills nothing
      monthly (monitoring and auto-refresh): $121.75 → $103.47

    Plan: 0 to create, 0 numbers to add, 1 to remove, 3 to change.
    ");
    insta::assert_snapshot!(json(&shown), @r#"
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30",
        "legal_name": "Acme Corp"
      },
      "changes": true,
      "steps": [
        {
          "action": "update_enterprise",
          "method": "PUT",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30",
          "billable": false,
          "reason": "2 fields differ from the manifest",
          "fields": [
            {
              "field": "fein",
              "old": "sha256:489553f3",
              "new": "sha256:dff6c588"
            },
            {
              "field": "website",
              "old": null,
              "new": "https://acme.example"
            }
          ]
        },
        {
          "action": "update_loa",
          "method": "PATCH",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/loa",
          "billable": false,
          "reason": "the manifest's LOA differs from the live one, whose review is `pending`",
          "old": "226d2a26-ba7a-4d06-b7b8-ca597e77887e",
          "new": "{uploaded_document_id}"
        },
        {
          "action": "update_frequency",
          "method": "PATCH",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/frequency",
          "billable": false,
          "reason": "the refresh frequency differs; it takes effect at the next scheduled refresh",
          "old": "business_daily",
          "new": "weekly"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550109",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550109"
        }
      ],
      "unmanaged": [
        "+12025550110",
        "+12025550111"
      ],
      "errors": [],
      "summary": {
        "create": 0,
        "update": 3,
        "add_numbers": 0,
        "remove_numbers": 1,
        "has_disable": false,
        "billable": false,
        "apply_total": 0.0,
        "monthly_before": 121.75,
        "monthly_after": 103.47
      },
      "diagnostics": [],
      "warnings": [
        {
          "rule": "similar_enterprise",
          "message": "an enterprise with a similar legal name exists: `Acme Corp (US)` (`0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`)"
        }
      ],
      "cost": {
        "apply_charges": [],
        "apply_total": 0.0,
        "monthly_before": 121.75,
        "monthly_after": 103.47
      },
      "fingerprint": "sha256:0d6ff1c2b1b8e5c7a2f39e4d6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
    }
    "#);
}

#[test]
fn a_failed_plan_with_its_diagnostics() {
    let diagnostic = |rule: &str, message: &str, line, help: Option<&str>| PlanDiagnostic {
        rule: rule.to_owned(),
        severity: Severity::Error,
        message: message.to_owned(),
        file: "acme.yaml".to_owned(),
        line,
        column: line.map(|_| 7),
        help: help.map(str::to_owned),
    };
    let mut plan = Plan::failed(
        "acme.yaml".to_owned(),
        PlanEnterprise {
            id: None,
            legal_name: Some("Acme Corp".to_owned()),
        },
        vec![
            diagnostic(
                "number_not_in_inventory",
                "`+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest",
                Some(44),
                None,
            ),
            diagnostic(
                "mass_removal",
                "`prune: true` would remove 40 of 120 monitored numbers (more than max(10, 25 %)); pass --allow-mass-removal to accept",
                None,
                Some("pass --allow-mass-removal, or list the numbers to keep"),
            ),
        ],
    );
    plan.observed = true;
    insta::assert_snapshot!(text(&plan, plain()), @"
    Enterprise Acme Corp (not created yet), manifest acme.yaml

    The plan cannot be made:
      - `+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest
      - `prune: true` would remove 40 of 120 monitored numbers (more than max(10, 25 %)); pass --allow-mass-removal to accept
        help: pass --allow-mass-removal, or list the numbers to keep

    Plan failed: 2 errors.
    ");
    insta::assert_snapshot!(json(&plan), @r#"
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": null,
        "legal_name": "Acme Corp"
      },
      "changes": false,
      "steps": [],
      "unmanaged": [],
      "errors": [
        "`+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest",
        "`prune: true` would remove 40 of 120 monitored numbers (more than max(10, 25 %)); pass --allow-mass-removal to accept"
      ],
      "summary": null,
      "diagnostics": [
        {
          "rule": "number_not_in_inventory",
          "severity": "error",
          "message": "`+12025550103` (acme.yaml:44:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest",
          "file": "acme.yaml",
          "line": 44,
          "column": 7,
          "help": null
        },
        {
          "rule": "mass_removal",
          "severity": "error",
          "message": "`prune: true` would remove 40 of 120 monitored numbers (more than max(10, 25 %)); pass --allow-mass-removal to accept",
          "file": "acme.yaml",
          "line": null,
          "column": null,
          "help": "pass --allow-mass-removal, or list the numbers to keep"
        }
      ],
      "warnings": [],
      "cost": null,
      "fingerprint": null
    }
    "#);
}

#[test]
fn a_long_run_of_removals_is_shortened() {
    let steps: Vec<Step> = std::iter::once(add_numbers(NUMBERS_PATH, (1, 1), &["+13125550100"]))
        .chain((0..10).map(|index| remove_number(&format!("+1202555{:04}", 100 + index))))
        .collect();
    let cost = Cost {
        apply_charges: vec![Charge {
            what: "1 number added, one check each (estimate)".to_owned(),
            amount: 0.1,
        }],
        apply_total: 0.1,
        monthly_before: 128.28,
        monthly_after: 106.53,
    };
    let plan = plan(Some(ID), steps, cost, Vec::new());
    insta::assert_snapshot!(text(&plan, plain()), @"
    Enterprise Acme Corp (id 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30), manifest acme.yaml

    + add_numbers  POST /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers  [billable]
        batch 1 of 1: 1 number not monitored yet
          +13125550100
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550100
        monitored live but not in the manifest (`prune: true`)
          +12025550100
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550101
        monitored live but not in the manifest (`prune: true`)
          +12025550101
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550102
        monitored live but not in the manifest (`prune: true`)
          +12025550102
      … 5 more remove_number steps (`--full` shows all) …
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550108
        monitored live but not in the manifest (`prune: true`)
          +12025550108
    - remove_number  DELETE /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550109
        monitored live but not in the manifest (`prune: true`)
          +12025550109

    Cost
      apply bills $0.10:
        1 number added, one check each (estimate): $0.10
      monthly (monitoring and auto-refresh): $128.28 → $106.53
      prices: the built-in table ($100.00 a month for monitoring, $0.10 a check); `--prices FILE` sets yours

    Plan: 0 to create, 1 number to add, 10 to remove, 0 to change.
    ");
    // `--full` shows every removal; JSON always lists them all.
    let full = text(
        &plan,
        RenderOptions {
            full: true,
            ..plain()
        },
    );
    assert_eq!(full.matches("- remove_number").count(), 10);
    insta::assert_snapshot!(json(&plan), @r#"
    {
      "format_version": 1,
      "manifest": "acme.yaml",
      "enterprise": {
        "id": "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30",
        "legal_name": "Acme Corp"
      },
      "changes": true,
      "steps": [
        {
          "action": "add_numbers",
          "method": "POST",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers",
          "billable": true,
          "reason": "batch 1 of 1: 1 number not monitored yet",
          "phone_numbers": [
            "+13125550100"
          ]
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550100",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550100"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550101",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550101"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550102",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550102"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550103",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550103"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550104",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550104"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550105",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550105"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550106",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550106"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550107",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550107"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550108",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550108"
        },
        {
          "action": "remove_number",
          "method": "DELETE",
          "path": "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025550109",
          "billable": false,
          "reason": "monitored live but not in the manifest (`prune: true`)",
          "phone_number": "+12025550109"
        }
      ],
      "unmanaged": [],
      "errors": [],
      "summary": {
        "create": 0,
        "update": 0,
        "add_numbers": 1,
        "remove_numbers": 10,
        "has_disable": false,
        "billable": true,
        "apply_total": 0.1,
        "monthly_before": 128.28,
        "monthly_after": 106.53
      },
      "diagnostics": [],
      "warnings": [],
      "cost": {
        "apply_charges": [
          {
            "what": "1 number added, one check each (estimate)",
            "amount": 0.1
          }
        ],
        "apply_total": 0.1,
        "monthly_before": 128.28,
        "monthly_after": 106.53
      },
      "fingerprint": "sha256:0d6ff1c2b1b8e5c7a2f39e4d6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
    }
    "#);
}

#[test]
fn a_long_value_shows_where_it_changed() {
    let steps = vec![
        Step::new(
            Action::UpdateEnterprise,
            format!("/enterprises/{ID}"),
            "1 field differs from the manifest".to_owned(),
        )
        .with(Detail::UpdateEnterprise {
            fields: vec![FieldChange {
                field: "website".to_owned(),
                old: Some("https://www.acme-corporation.example/contact".to_owned()),
                new: Some("https://www.acme-corporation.example/about-us".to_owned()),
            }],
        }),
    ];
    let cost = Cost {
        apply_charges: Vec::new(),
        apply_total: 0.0,
        monthly_before: 0.0,
        monthly_after: 0.0,
    };
    let shown = text(
        &plan(Some(ID), steps, cost, Vec::new()),
        RenderOptions::default(),
    );
    let step = &shown
        [shown.find("~ update_enterprise").unwrap()..shown.find("Cost").unwrap_or(shown.len())];
    insta::assert_snapshot!(step, @"
    ~ update_enterprise  PUT /enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30
        1 field differs from the manifest
          website:
            - https://www.acme-corporation.example/contact
                                                   ^^^^^^^
            + https://www.acme-corporation.example/about-us
                                                   ^^^^^^^^
    ");
}
