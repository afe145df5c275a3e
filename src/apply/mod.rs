//! Apply: runs a plan's steps against the API in order, waits for vetting, survives
//! ambiguous failures by re-reading, splits rejected batches to name the numbers at fault,
//! and proves convergence by planning again. Uses `plan`, `telnyx` and `observe`.

mod executor;

pub use executor::{ApplyError, ApplyOptions, Event, Outcome, execute};
