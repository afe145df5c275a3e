//! The remediation calls' bodies (`…/reputation/remediation`), shared by the client and the
//! sandbox like the rest of `wire`. Every response field telrep does not need defaults, and
//! the status stays a string here so a value the API adds is carried, not rejected.

use serde::{Deserialize, Serialize};

/// The most numbers one remediation request may carry.
pub const MAX_NUMBERS: usize = 2_000;

/// `POST …/reputation/remediation`'s body (the API refuses any other key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationCreate {
    /// E.164 numbers, 1 to 2,000.
    pub phone_numbers: Vec<String>,
    /// Why the numbers call (1 to 2,000 characters): what the reviewers read.
    pub call_purpose: String,
    /// Where the reviewers may write back (at most 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// An https URL for the request's webhooks (at most 2,048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// A remediation request as `POST` (202) and `GET …/remediation/{id}` answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationRequest {
    /// The request's id, for polling.
    pub id: String,
    /// `pending`, `in_progress`, `completed`, `failed`, `cancelled`, or a value the API adds.
    pub status: String,
    /// As submitted.
    #[serde(default)]
    pub call_purpose: String,
    /// Numbers in the request.
    #[serde(default)]
    pub phone_numbers_count: u64,
    /// Numbers submitted for review (billed).
    #[serde(default)]
    pub phone_numbers_submitted: u64,
    /// Numbers not eligible (no data yet, or in a cooldown after an earlier request).
    #[serde(default)]
    pub phone_numbers_ineligible: u64,
    /// As submitted.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// As submitted.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// When the first review tier finished (RFC 3339).
    #[serde(default)]
    pub tier1_completed_at: Option<String>,
    /// When the second review tier finished (RFC 3339).
    #[serde(default)]
    pub tier2_completed_at: Option<String>,
    /// Null until the outcome is known.
    #[serde(default)]
    pub results: Option<RemediationResults>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

/// Where each number of a request ended: one bucket per number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationResults {
    /// The rating was corrected.
    #[serde(default)]
    pub remediated: Vec<String>,
    /// Nothing flagged the number.
    #[serde(default)]
    pub not_flagged: Vec<String>,
    /// A person must look at it.
    #[serde(default)]
    pub requires_review: Vec<String>,
    /// Not eligible (no data yet, or in a cooldown).
    #[serde(default)]
    pub ineligible: Vec<String>,
    /// The analytics providers declined.
    #[serde(default)]
    pub refused: Vec<String>,
}

impl RemediationResults {
    /// Each bucket's name and numbers, in the order telrep prints them.
    pub fn buckets(&self) -> [(&'static str, &[String]); 5] {
        [
            ("remediated", &self.remediated),
            ("requires_review", &self.requires_review),
            ("not_flagged", &self.not_flagged),
            ("ineligible", &self.ineligible),
            ("refused", &self.refused),
        ]
    }
}

/// A request's status, decided at the wire boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemediationStatus {
    /// Accepted, not started.
    Pending,
    /// Under review.
    InProgress,
    /// Done: the results are final.
    Completed,
    /// Telnyx could not finish it.
    Failed,
    /// Withdrawn.
    Cancelled,
    /// A value the API added since; treated as still running.
    Other(String),
}

impl RemediationStatus {
    /// Reads the wire's string.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "pending" => Self::Pending,
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the request will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_fields_and_values_telrep_never_saw_is_read() {
        let body = serde_json::json!({
            "id": "r1", "status": "escalated", "call_purpose": "appointment reminders",
            "phone_numbers_count": 2, "phone_numbers_submitted": 1, "phone_numbers_ineligible": 1,
            "priority": "high",
            "results": {"remediated": ["+12025550100"], "ineligible": ["+12025550101"], "deferred": []},
            "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00+00:00"
        });
        let request: RemediationRequest = serde_json::from_value(body).unwrap();
        assert_eq!(
            RemediationStatus::from_wire(&request.status),
            RemediationStatus::Other("escalated".to_owned())
        );
        assert!(!RemediationStatus::from_wire(&request.status).is_final());
        let results = request.results.unwrap();
        let counts: Vec<(&str, usize)> = results
            .buckets()
            .iter()
            .map(|(name, numbers)| (*name, numbers.len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("remediated", 1),
                ("requires_review", 0),
                ("not_flagged", 0),
                ("ineligible", 1),
                ("refused", 0)
            ]
        );
    }

    #[test]
    fn the_body_carries_only_what_was_given() {
        let body = RemediationCreate {
            phone_numbers: vec!["+12025550100".to_owned()],
            call_purpose: "reminders".to_owned(),
            contact_email: None,
            webhook_url: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"phone_numbers": ["+12025550100"], "call_purpose": "reminders"})
        );
        let unknown = serde_json::json!({"phone_numbers": [], "call_purpose": "x", "priority": 1});
        assert!(serde_json::from_value::<RemediationCreate>(unknown).is_err());
    }

    #[test]
    fn final_statuses() {
        let finals: Vec<&str> = ["pending", "in_progress", "completed", "failed", "cancelled"]
            .into_iter()
            .filter(|status| RemediationStatus::from_wire(status).is_final())
            .collect();
        assert_eq!(finals, ["completed", "failed", "cancelled"]);
    }
}
