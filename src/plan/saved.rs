//! `SavedPlans`: what `plan --out` writes and `apply --plan` reads, one type for both, so
//! the two cannot drift apart. A saved plan records the manifest's digest (and each file's,
//! to name the one that changed) and the live fingerprint it was computed from; never a
//! secret.

use serde::{Deserialize, Serialize};

use super::{FORMAT_VERSION, Plan};

/// A saved plan file: every manifest's plan of one `plan --out` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlans {
    /// Always 1.
    pub format_version: u32,
    /// One entry per manifest.
    pub saved_plans: Vec<SavedPlan>,
}

impl SavedPlans {
    /// A file holding `entries`.
    pub fn new(entries: Vec<SavedPlan>) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            saved_plans: entries,
        }
    }
}

/// One manifest's saved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// The manifest, as named on the command line.
    pub manifest: String,
    /// `sha256:` of the manifest and every file it reads, together.
    pub manifest_digest: String,
    /// Each of those files' own digest (absent in plans saved before it was recorded).
    #[serde(default)]
    pub files: Vec<SavedFile>,
    /// The live state's fingerprint the plan was computed from.
    pub fingerprint: String,
    /// The plan itself, for review; apply plans again and compares.
    pub plan: Plan,
}

/// A file a saved plan was computed from, and its digest then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFile {
    /// The path, as the manifest named it.
    pub path: String,
    /// `sha256:` of its content.
    pub sha256: String,
}
