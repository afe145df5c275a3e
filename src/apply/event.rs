//! `Event`: what apply reports as it goes, drawn as progress by the command line and
//! printed one a line by `apply --format json` (schema/apply-event.schema.json).

use serde::Serialize;

use crate::plan::Action;

/// What happened, for progress lines and `--format json` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step began.
    StepStarted {
        /// 1-based position in the plan.
        step: usize,
        /// Of how many.
        of: usize,
        /// The action.
        action: Action,
        /// Method and path.
        call: String,
    },
    /// A step finished.
    StepFinished {
        /// 1-based position.
        step: usize,
        /// The action.
        action: Action,
        /// The id of what the step created: the enterprise, or the uploaded LOA document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A step failed.
    StepFailed {
        /// 1-based position.
        step: usize,
        /// The action.
        action: Action,
        /// Why.
        error: String,
    },
    /// A write failed ambiguously; the state was re-read to decide.
    Reread {
        /// 1-based position.
        step: usize,
        /// What the re-read found.
        finding: String,
    },
    /// A number of a refused batch was refused by the API.
    NumberRefused {
        /// 1-based position.
        step: usize,
        /// The number.
        phone_number: String,
        /// The API's reason.
        reason: String,
    },
    /// Waiting for vetting.
    Waiting {
        /// `status` now.
        status: String,
        /// `loa_status` now.
        loa_status: String,
    },
    /// Waiting for the ownership proof's review.
    WaitingForProof {
        /// `external_verification_status` now (`none` before a first submission shows).
        external_verification_status: String,
    },
    /// The plan could not be made; nothing was applied.
    PlanFailed {
        /// The manifest.
        manifest: String,
        /// Why.
        errors: Vec<String>,
    },
    /// Stopped before the steps that need approval; run apply again later.
    VettingPending {
        /// The manifest.
        manifest: String,
    },
    /// Stopped before the numbers hosted elsewhere: the ownership proof is under review;
    /// run apply again later.
    ProofPending {
        /// The manifest.
        manifest: String,
    },
    /// The account matches the manifest (verified by planning again).
    Converged {
        /// The manifest.
        manifest: String,
    },
}
