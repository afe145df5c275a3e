//! telrep's integration tests, one binary (as ripgrep and cargo build theirs), a module per
//! command. Each runs the real `telrep` binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly on a broken setup"
)]
#![allow(
    clippy::too_many_lines,
    reason = "a scenario reads top to bottom; the 80-line limit is for src/"
)]

mod apply;
mod client;
mod current_api;
mod docs;
mod help;
mod hostile;
mod model;
mod onboarding;
mod plan;
mod recipes;
mod remediate;
mod reputation;
mod sandbox;
mod sandbox_v2;
mod schema;
mod sdk;
mod support;
mod validate;
