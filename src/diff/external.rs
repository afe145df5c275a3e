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
        self.live
            .external_verification
            .as_ref()
            .map(|proof| &proof.status)
    }

    /// The proof's steps (uploads, then the submission) when the manifest's proof differs
    /// from the live one, or its error; where the proof stands after them.
    pub(super) fn proof_steps(&mut self) -> ProofState {
        let live = self.live.external_verification.as_ref();
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
                self.submit(declared, live);
                ProofState::UnderReview
            }
        }
    }

    /// `upload_document` for each file no live document matches, then the submission.
    fn submit(&mut self, declared: &ExternalProof, live: Option<&LiveProof>) {
        let document_ids = match declared {
            ExternalProof::DocumentIds(ids) => ids.iter().cloned().map(DocumentRef::Id).collect(),
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
        let why = match self.live_proof_status() {
            None => "no ownership proof was submitted yet".to_owned(),
            Some(status) => format!(
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
