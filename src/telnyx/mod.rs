//! Talking to Telnyx: the typed client and the wire types it shares with the sandbox.
//! Depends on `model` only.

mod calls;
mod client;
mod defang;
mod error;
pub mod pace;
pub mod remediation;
pub mod retry;
mod secret;
pub mod wire;

pub use calls::Monitored;
pub use client::{Client, ClientConfig, DEFAULT_BASE_URL, NumberFilter, PAGE_SIZE, until_set};
pub use defang::{is_forging, leaves_alone};
pub use error::{ApiError, ApiErrorKind, Cause, chain, one_line};
pub use retry::RetryPolicy;
pub use secret::{ApiKey, KeyProblem};
