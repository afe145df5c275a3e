//! Numbers hosted elsewhere: the ownership proof they need (upload, submit, wait), and the
//! rules that make a proof a plan error (approved and locked, or rejected and unchanged).

use std::collections::BTreeSet;

use super::*;
use crate::model::{ExternalProof, LiveProof};
use crate::plan::DocumentRef;

/// What the plan leaves the ownership proof at, for the numbers that need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProofState {
    /// Approved: numbers hosted elsewhere can be added at once.
    Approved,
    /// Submitted (by the plan or before it), not reviewed yet: wait before adding them.
    UnderReview,
    /// None, or one the plan cannot use: numbers hosted elsewhere cannot be added.
    Unusable,
}

impl Planner<'_> {
    /// Whether a number outside the inventory can be planned at all: a proof is declared, or
    /// the live one is approved.
    pub(super) fn proof_covers(&self) -> bool {
        self.proof.is_some() || self.live_proof_status() == Some(&Status::Approved)
    }

    fn live_proof_status(&self) -> Option<&Status> {
        self.live_proof().map(|proof| &proof.status)
    }

    /// The live proof as the plan's add steps find it: none after the cascade's disable,
    /// which drops it with the settings.
    fn live_proof(&self) -> Option<&LiveProof> {
        if self.proof_dropped {
            return None;
        }
        self.live.external_verification.as_ref()
    }

    /// The proof's steps (uploads, then the submission) when the manifest's proof differs
    /// from the live one, or its error; where the proof stands after them.
    pub(super) fn proof_steps(&mut self) -> ProofState {
        let all = self.live;
        let live = all
            .external_verification
            .as_ref()
            .filter(|_| !self.proof_dropped);
        let Some(declared) = self.proof else {
            return match self.live_proof_status() {
                Some(Status::Approved) => ProofState::Approved,
                _ => ProofState::Unusable,
            };
        };
        let changed = live.is_none_or(|live| differs(declared, live));
        match (live.map(|live| &live.status), changed) {
            (Some(Status::Approved), false) => ProofState::Approved,
            (Some(Status::Approved), true) => {
                self.proof_locked(live);
                ProofState::Unusable
            }
            (Some(Status::Rejected), false) => {
                self.proof_rejected(live);
                ProofState::Unusable
            }
            (_, false) => ProofState::UnderReview,
            (_, true) => {
                // Documents outlive a disable: the live proof's may still be reused.
                self.submit(declared, self.live.external_verification.as_ref());
                ProofState::UnderReview
            }
        }
    }

    /// `upload_document` for each file no live document matches, then the submission.
    fn submit(&mut self, declared: &ExternalProof, live: Option<&LiveProof>) {
        let document_ids = match declared {
            ExternalProof::DocumentIds(ids) => {
                for id in ids {
                    self.pinned_proof_document(id);
                }
                ids.iter().cloned().map(DocumentRef::Id).collect()
            }
            ExternalProof::Files(files) => {
                let mut documents = Vec::new();
                for file in files {
                    let matched = live.and_then(|live| {
                        live.sha256
                            .iter()
                            .find(|(_, sha256)| sha256.as_deref() == Some(file.sha256.as_str()))
                            .map(|(id, _)| id.clone())
                    });
                    let path = file.path.display().to_string();
                    if let Some(id) = matched {
                        documents.push(DocumentRef::Id(id));
                        continue;
                    }
                    let step = Step::new(
                        Action::UploadDocument,
                        "/documents".to_owned(),
                        format!(
                            "upload the ownership proof `{path}` (sha256 {}…); no document of the live proof has its content",
                            file.sha256.get(..12).unwrap_or(&file.sha256)
                        ),
                    );
                    self.steps
                        .push(step.with(Detail::UploadDocument { file: path.clone() }));
                    documents.push(DocumentRef::Uploaded(path));
                }
                documents
            }
        };
        let dropped = (self.live.external_verification.as_ref()).filter(|_| self.proof_dropped);
        let why = match (self.live_proof_status(), dropped) {
            (None, Some(before)) => format!(
                "the disable above drops the ownership proof (its review was `{}`), so it is submitted again",
                before.status
            ),
            (None, None) => "no ownership proof was submitted yet".to_owned(),
            (Some(status), _) => format!(
                "the manifest's ownership proof differs from the live one, whose review is `{status}`; submitting replaces it"
            ),
        };
        let step = Step::new(
            Action::SubmitExternalVerification,
            format!("{}/external_verification", self.reputation_path()),
            format!("{why}; numbers hosted elsewhere can be added once it is approved"),
        );
        self.steps
            .push(step.with(Detail::SubmitExternalVerification { document_ids }));
    }

    /// A step submits the pinned document `id`: a missing one is an error now, before
    /// apply bills an enable it cannot finish.
    fn pinned_proof_document(&mut self, id: &str) {
        if self.missing_document(id) {
            let mut problem = Problem::new(
                "document_not_found",
                format!(
                    "`reputation.external_verification.document_ids` names `{id}`, which is not a document of this account (`GET /documents/{id}` answered 404)"
                ),
            );
            problem.help = Some(
                "upload the ownership proof and pin the id it gets, or list the PDFs under `external_verification.files` so telrep uploads them".to_owned(),
            );
            self.problems.push(problem);
        }
    }

    /// Numbers hosted elsewhere must be added again but no proof can be submitted: the
    /// cascade's disable drops the approved one and the manifest declares none.
    pub(super) fn proof_needed(&mut self, external: &[E164]) {
        let ids = self
            .live
            .external_verification
            .as_ref()
            .map_or_else(String::new, |live| live.document_ids.join(", "));
        let listed: Vec<String> = external.iter().map(ToString::to_string).collect();
        let mut problem = Problem::new(
            "proof_required",
            format!(
                "{} hosted elsewhere ({}) must be added again after the disable, which drops the ownership proof, and the manifest declares none",
                Count::new(external.len(), "number", "numbers"),
                crate::plan::render::summarize(&listed, false)
            ),
        );
        problem.help = Some(format!(
            "declare the proof under `reputation.external_verification` (the live one: `document_ids: [{ids}]`) so it is submitted again after the enable"
        ));
        self.problems.push(problem);
    }

    fn proof_locked(&mut self, live: Option<&LiveProof>) {
        let ids = live.map_or_else(String::new, |live| live.document_ids.join(", "));
        let mut problem = Problem::new(
            "proof_locked",
            format!(
                "the ownership proof was approved and is locked, but `reputation.external_verification` differs from it (live documents: {ids})"
            ),
        );
        problem.help = Some(format!(
            "declare the approved proof again (`document_ids: [{ids}]`), or remove `external_verification`: the approved proof stays in force either way"
        ));
        self.problems.push(problem);
    }

    fn proof_rejected(&mut self, live: Option<&LiveProof>) {
        let reason = live
            .and_then(|live| live.rejection_reason.as_deref())
            .unwrap_or("no reason given");
        let mut problem = Problem::new(
            "proof_rejected",
            format!("the ownership proof was rejected: {reason}"),
        );
        problem.help = Some(
            "declare other documents under `reputation.external_verification` (they are submitted again), or remove the numbers hosted elsewhere".to_owned(),
        );
        self.problems.push(problem);
    }

    /// The wait before the first batch of numbers hosted elsewhere.
    pub(super) fn wait_for_proof(&mut self) {
        self.steps.push(Step::new(
            Action::WaitForExternalVerification,
            self.reputation_path(),
            "numbers hosted elsewhere can be added once the ownership proof is approved (`external_verification_status`)".to_owned(),
        ));
    }
}

/// Whether the manifest's proof is other than the live one: another set of document ids,
/// or of file contents (each live document by its sha256).
fn differs(declared: &ExternalProof, live: &LiveProof) -> bool {
    let live_ids: BTreeSet<&str> = live.document_ids.iter().map(String::as_str).collect();
    match declared {
        ExternalProof::DocumentIds(ids) => {
            ids.iter().map(String::as_str).collect::<BTreeSet<_>>() != live_ids
        }
        ExternalProof::Files(files) => {
            let declared: BTreeSet<&str> = files.iter().map(|file| file.sha256.as_str()).collect();
            let live: BTreeSet<Option<&str>> = live_ids
                .iter()
                .map(|id| live.sha256.get(*id).and_then(|sha256| sha256.as_deref()))
                .collect();
            live != declared.into_iter().map(Some).collect()
        }
    }
}

/// Whether a NANP number is toll-free (NPA 800, 833, 844, 855, 866, 877, 888): such a
/// number can be monitored only from the account's own inventory.
pub(super) fn is_toll_free(number: E164) -> bool {
    number
        .nanp_block()
        .is_some_and(|block| matches!(block / 1000, 800 | 833 | 844 | 855 | 866 | 877 | 888))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::super::tests::{DOCUMENT, converged, desired, in_inventory, make, numbers, outline};
    use super::*;
    use crate::model::{
        Candidate, ExternalProof, LiveOwnership, LiveProof, OwnershipStatus, PdfFile,
        ReputationSpec,
    };
    use crate::plan::PlanOptions;

    const PROOF_A: &str = "11111111-1111-4111-8111-111111111111";
    const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn with_proof(desired: &mut Desired, proof: ExternalProof) {
        if let ReputationSpec::Enabled {
            external_verification,
            ..
        } = &mut desired.reputation
        {
            *external_verification = Some(proof);
        }
    }

    fn files(shas: &[&str]) -> ExternalProof {
        ExternalProof::Files(
            shas.iter()
                .enumerate()
                .map(|(index, sha256)| PdfFile {
                    path: PathBuf::from(format!("proof/{index}.pdf")),
                    sha256: (*sha256).to_owned(),
                    size: 1000,
                })
                .collect(),
        )
    }

    fn live_proof(status: Status, sha256: Option<&str>) -> LiveProof {
        LiveProof {
            status,
            document_ids: vec![PROOF_A.to_owned()],
            rejection_reason: Some("the invoice does not name the numbers".to_owned()),
            sha256: sha256
                .map(|sha256| BTreeMap::from([(PROOF_A.to_owned(), Some(sha256.to_owned()))]))
                .unwrap_or_default(),
        }
    }

    /// 150 inventory numbers and 120 hosted elsewhere, none monitored yet.
    fn fleet() -> (Desired, Live) {
        let listed = numbers(0..270);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &[]);
        for (index, number) in listed.iter().enumerate() {
            let candidate = if index < 150 {
                in_inventory(if index % 2 == 0 { "local" } else { "toll_free" })
            } else {
                Candidate::default()
            };
            live.candidates.insert(*number, candidate);
        }
        (desired, live)
    }

    #[test]
    fn external_numbers_wait_for_a_submitted_proof_after_the_inventory_batches() {
        let (mut desired, live) = fleet();
        with_proof(&mut desired, files(&[SHA_A]));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.errors, Vec::<String>::new());
        assert_eq!(
            outline(&plan),
            [
                "+ upload_document /documents",
                "+ submit_external_verification /enterprises/ID/reputation/external_verification",
                "+ add_numbers /enterprises/ID/reputation/numbers",
                "+ add_numbers /enterprises/ID/reputation/numbers",
                "= wait_for_external_verification /enterprises/ID/reputation",
                "+ add_numbers /enterprises/ID/reputation/numbers",
                "+ add_numbers /enterprises/ID/reputation/numbers",
            ]
        );
        let reasons: Vec<&str> = plan.steps.iter().map(|step| step.reason.as_str()).collect();
        assert_eq!(reasons[2], "batch 1 of 4: 100 numbers not monitored yet");
        assert_eq!(reasons[3], "batch 2 of 4: 50 numbers not monitored yet");
        assert_eq!(
            reasons[5],
            "batch 3 of 4: 100 numbers hosted elsewhere, not monitored yet"
        );
        assert_eq!(
            reasons[6],
            "batch 4 of 4: 20 numbers hosted elsewhere, not monitored yet"
        );
        assert_eq!(
            plan.steps[1].detail,
            Detail::SubmitExternalVerification {
                document_ids: vec![DocumentRef::Uploaded("proof/0.pdf".to_owned())]
            }
        );
        assert_eq!(plan.steps[5].phone_numbers()[0], numbers(150..151)[0]);
    }

    #[test]
    fn an_approved_unchanged_proof_adds_external_numbers_without_a_wait() {
        let (mut desired, mut live) = fleet();
        with_proof(&mut desired, files(&[SHA_A]));
        live.external_verification = Some(live_proof(Status::Approved, Some(SHA_A)));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.steps
                .iter()
                .map(|step| step.action.name())
                .collect::<Vec<_>>(),
            ["add_numbers"; 4]
        );
        // Approved and not declared: still usable.
        with_proof(&mut desired, files(&[]));
        if let ReputationSpec::Enabled {
            external_verification,
            ..
        } = &mut desired.reputation
        {
            *external_verification = None;
        }
        assert_eq!(make(&desired, &live, PlanOptions::default()).steps.len(), 4);
    }

    #[test]
    fn a_changed_proof_after_approval_is_locked() {
        let (mut desired, mut live) = fleet();
        with_proof(&mut desired, files(&[SHA_B]));
        live.external_verification = Some(live_proof(Status::Approved, Some(SHA_A)));
        let plan = make(&desired, &live, PlanOptions::default());
        assert!(plan.steps.is_empty());
        assert_eq!(
            plan.errors,
            [format!(
                "the ownership proof was approved and is locked, but `reputation.external_verification` differs from it (live documents: {PROOF_A})"
            )]
        );
        assert_eq!(plan.diagnostics[0].rule, "proof_locked");
    }

    #[test]
    fn a_rejected_proof_is_an_error_until_it_changes() {
        let (mut desired, mut live) = fleet();
        with_proof(&mut desired, files(&[SHA_A]));
        live.external_verification = Some(live_proof(Status::Rejected, Some(SHA_A)));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.errors,
            ["the ownership proof was rejected: the invoice does not name the numbers"]
        );
        // Another file is resubmitted, the live document that matches nothing is dropped.
        with_proof(&mut desired, files(&[SHA_B]));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.errors, Vec::<String>::new());
        assert_eq!(plan.steps[0].action, Action::UploadDocument);
        assert_eq!(plan.steps[1].action, Action::SubmitExternalVerification);
        assert_eq!(
            plan.steps[1].reason,
            "the manifest's ownership proof differs from the live one, whose review is `rejected`; submitting replaces it; numbers hosted elsewhere can be added once it is approved"
        );
    }

    #[test]
    fn a_pending_unchanged_proof_is_not_resubmitted_and_a_matched_file_is_not_uploaded() {
        let (mut desired, mut live) = fleet();
        with_proof(&mut desired, files(&[SHA_A]));
        live.external_verification = Some(live_proof(Status::Pending, Some(SHA_A)));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.steps[2].action, Action::WaitForExternalVerification);
        assert!(
            !plan
                .steps
                .iter()
                .any(|step| step.action == Action::SubmitExternalVerification)
        );
        // A second file: the first matches the live document and is not uploaded again.
        with_proof(&mut desired, files(&[SHA_A, SHA_B]));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan)[..2],
            [
                "+ upload_document /documents",
                "+ submit_external_verification /enterprises/ID/reputation/external_verification",
            ]
        );
        assert_eq!(
            plan.steps[1].detail,
            Detail::SubmitExternalVerification {
                document_ids: vec![
                    DocumentRef::Id(PROOF_A.to_owned()),
                    DocumentRef::Uploaded("proof/1.pdf".to_owned())
                ]
            }
        );
    }

    #[test]
    fn document_ids_compare_as_sets() {
        let (mut desired, mut live) = fleet();
        live.external_verification = Some(live_proof(Status::Approved, None));
        with_proof(
            &mut desired,
            ExternalProof::DocumentIds(vec![PROOF_A.to_owned()]),
        );
        assert_eq!(
            make(&desired, &live, PlanOptions::default()).errors.len(),
            0
        );
        with_proof(
            &mut desired,
            ExternalProof::DocumentIds(vec![PROOF_A.to_owned(), DOCUMENT.to_owned()]),
        );
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.diagnostics[0].rule, "proof_locked");
    }

    #[test]
    fn external_toll_free_numbers_and_undeclared_proofs_are_errors() {
        let listed: Vec<E164> = ["+18005550100", "+12025550100"]
            .iter()
            .map(|text| E164::parse(text).unwrap())
            .collect();
        let mut desired = desired(&listed, false);
        let mut live = converged(&desired, &[]);
        for number in &listed {
            live.candidates.insert(*number, Candidate::default());
        }
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.diagnostics
                .iter()
                .map(|diagnostic| diagnostic.rule.as_str())
                .collect::<Vec<_>>(),
            ["number_not_in_inventory", "number_not_in_inventory"]
        );
        with_proof(&mut desired, files(&[SHA_A]));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.errors,
            [
                "`+18005550100` (acme.yaml:10:7) cannot be added: not in the account's inventory, and a toll-free number can be monitored only from it: buy or port it first, or remove it from the manifest"
            ]
        );
    }

    #[test]
    fn ownership_in_question_warns_and_removed_numbers_are_added_again() {
        let listed = numbers(0..3);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed[..2]);
        live.ownership.insert(
            listed[0],
            LiveOwnership {
                status: OwnershipStatus::PendingConfirmation,
                flag_reason: Some("carrier_changed".to_owned()),
                confirm_by: Some("2026-10-08T07:00:00Z".to_owned()),
                removal_reason: None,
                removed_at: None,
            },
        );
        live.ownership.insert(
            listed[2],
            LiveOwnership {
                status: OwnershipStatus::Removed,
                flag_reason: None,
                confirm_by: None,
                removal_reason: Some("unconfirmed_ownership".to_owned()),
                removed_at: Some("2026-10-09T07:00:03Z".to_owned()),
            },
        );
        live.candidates.insert(listed[2], Candidate::default());
        live.external_verification = Some(live_proof(Status::Approved, None));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.errors, Vec::<String>::new());
        assert_eq!(
            plan.steps
                .iter()
                .map(|step| step.reason.as_str())
                .collect::<Vec<_>>(),
            [
                "batch 1 of 1: 1 number hosted elsewhere, no longer monitored: Telnyx removed it from monitoring, added again: `+12025550002` (unconfirmed_ownership, 2026-10-09T07:00:03Z)"
            ]
        );
        assert_eq!(
            plan.warnings,
            [Warning {
                rule: "ownership_unconfirmed".to_owned(),
                message: "`+12025550000` ownership is `pending_confirmation` (carrier_changed): confirm it by 2026-10-08T07:00:00Z with `telrep ownership confirm acme.yaml --number +12025550000`, or Telnyx removes it from monitoring".to_owned(),
                phone_number: Some("+12025550000".to_owned()),
                confirm_by: Some("2026-10-08T07:00:00Z".to_owned()),
            }]
        );
    }

    #[test]
    fn toll_free_npas() {
        let check = |text: &str| is_toll_free(E164::parse(text).unwrap());
        assert!(check("+18005550100"));
        assert!(check("+18885550100"));
        assert!(!check("+18095550100"));
        assert!(!check("+12025550100"));
        assert!(!check("+448005550100"));
    }

    /// Three monitored numbers, the last hosted elsewhere, under an approved proof; vetting
    /// rejected, so the plan is the cascade.
    fn cascade_fleet() -> (Desired, Live) {
        let listed = numbers(0..3);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed);
        live.external.insert(listed[2]);
        live.external_verification = Some(live_proof(Status::Approved, None));
        if let Some(reputation) = &mut live.reputation {
            reputation.status = Status::Rejected;
            reputation.external_verification_status = Some(Status::Approved);
        }
        (desired, live)
    }

    const ALLOW_DISABLE: PlanOptions = PlanOptions {
        allow_disable: true,
        allow_mass_removal: false,
        replace_loa: false,
    };

    #[test]
    fn the_cascade_submits_the_proof_again_and_re_adds_external_numbers_after_it() {
        let (mut desired, live) = cascade_fleet();
        with_proof(
            &mut desired,
            ExternalProof::DocumentIds(vec![PROOF_A.to_owned()]),
        );
        let plan = make(&desired, &live, ALLOW_DISABLE);
        assert_eq!(plan.errors, Vec::<String>::new());
        assert_eq!(
            outline(&plan),
            [
                "- disable_reputation /enterprises/ID/reputation",
                "+ enable_reputation /enterprises/ID/reputation",
                "= wait_for_vetting /enterprises/ID/reputation",
                "+ submit_external_verification /enterprises/ID/reputation/external_verification",
                "+ add_numbers /enterprises/ID/reputation/numbers",
                "= wait_for_external_verification /enterprises/ID/reputation",
                "+ add_numbers /enterprises/ID/reputation/numbers",
            ]
        );
        assert_eq!(
            (plan.steps[4].phone_numbers(), plan.steps[6].phone_numbers()),
            (&numbers(0..2)[..], &numbers(2..3)[..])
        );
        // Files whose content the live proof's documents have reuse those documents.
        let (mut desired, mut live) = cascade_fleet();
        live.external_verification = Some(live_proof(Status::Approved, Some(SHA_A)));
        with_proof(&mut desired, files(&[SHA_A]));
        let plan = make(&desired, &live, ALLOW_DISABLE);
        assert_eq!(
            plan.steps[3].detail,
            Detail::SubmitExternalVerification {
                document_ids: vec![DocumentRef::Id(PROOF_A.to_owned())]
            }
        );
    }

    #[test]
    fn the_cascade_needs_a_declared_proof_for_external_numbers() {
        let (desired, live) = cascade_fleet();
        let plan = make(&desired, &live, ALLOW_DISABLE);
        assert_eq!(
            plan.errors,
            [
                "1 number hosted elsewhere (+12025550002) must be added again after the disable, which drops the ownership proof, and the manifest declares none"
            ]
        );
        assert_eq!(
            plan.diagnostics[0].help.as_deref(),
            Some(format!("declare the proof under `reputation.external_verification` (the live one: `document_ids: [{PROOF_A}]`) so it is submitted again after the enable").as_str())
        );
    }

    #[test]
    fn a_pinned_proof_document_that_does_not_exist_is_an_error_before_apply() {
        let (mut desired, mut live) = fleet();
        with_proof(
            &mut desired,
            ExternalProof::DocumentIds(vec![PROOF_A.to_owned()]),
        );
        let diffed = crate::diff::diff_detailed(
            &desired,
            &live,
            PlanOptions::default(),
            crate::plan::Prices::default(),
        );
        assert_eq!(diffed.linked_documents, [PROOF_A]);
        assert_eq!(diffed.plan.errors, Vec::<String>::new());
        live.documents.insert(PROOF_A.to_owned(), false);
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.errors,
            [format!(
                "`reputation.external_verification.document_ids` names `{PROOF_A}`, which is not a document of this account (`GET /documents/{PROOF_A}` answered 404)"
            )]
        );
        assert_eq!(plan.diagnostics[0].rule, "document_not_found");
    }

    #[test]
    fn a_failed_plan_keeps_its_ownership_warnings() {
        let listed = numbers(0..2);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed[..1]);
        live.candidates.insert(listed[1], Candidate::default());
        live.ownership.insert(
            listed[0],
            LiveOwnership {
                status: OwnershipStatus::Flagged,
                flag_reason: None,
                confirm_by: Some("2026-10-08T07:00:00Z".to_owned()),
                removal_reason: None,
                removed_at: None,
            },
        );
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.diagnostics[0].rule, "number_not_in_inventory");
        assert_eq!(
            plan.warnings
                .iter()
                .map(|warning| (warning.rule.as_str(), warning.confirm_by.as_deref()))
                .collect::<Vec<_>>(),
            [("ownership_unconfirmed", Some("2026-10-08T07:00:00Z"))]
        );
    }
}
