//! telrep keeps a Telnyx Number Reputation setup in version control: a YAML manifest says
//! what should be true, `plan` shows the API calls that would make it true, and `apply`
//! makes them.
//!
//! All logic lives in this library; the `telrep` binary only hands its arguments to `cli`.

pub mod apply;
pub mod cli;
pub mod diff;
pub mod manifest;
pub mod model;
pub mod observe;
pub mod plan;
pub mod report;
pub mod sandbox;
pub mod telnyx;
