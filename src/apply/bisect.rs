//! Adding one batch: the API adds a batch atomically or refuses it whole, so a refused
//! batch is split in halves until the numbers at fault are alone, and a batch whose add
//! failed ambiguously is re-read and what did not land is sent again, a bounded number of
//! times.

use crate::model::NumberSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{ApplyError, Event, Refusals, pause};
use crate::model::E164;
use crate::telnyx::{ApiError, ApiErrorKind, Client};

/// What ambiguous adds are decided from: listings of the enterprise's numbers that no add
/// of this run races. An add holds the gate shared while it is sent; a re-read takes it
/// alone, so it waits for the adds in flight to be answered and holds new ones back while
/// it lists (a listing read while this run's own batches landed changed under it, and the
/// fail-closed listing check refused it). Adds that failed while a re-read waited are
/// decided from that same listing.
#[derive(Default)]
pub(super) struct Rereads {
    gate: tokio::sync::RwLock<()>,
    /// Adds answered so far, counted before an add lets go of the gate.
    answered: AtomicU64,
    /// The last listing, and how many adds had been answered when it was read.
    last: tokio::sync::Mutex<Option<(u64, Arc<NumberSet>)>>,
}

impl Rereads {
    /// Adds `part`; the answer, and how many adds had been answered with this one.
    async fn add(&self, client: &Client, id: &str, part: &[E164]) -> (Result<(), ApiError>, u64) {
        let _shared = self.gate.read().await;
        let answer = client.add_numbers(id, part).await.map(|_| ());
        (answer, self.answered.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// The numbers the enterprise monitors, read after every add answered before
    /// `answered` and with none in flight: the last listing when it is that recent.
    pub(super) async fn monitored(
        &self,
        client: &Client,
        id: &str,
        answered: u64,
    ) -> Result<Arc<NumberSet>, ApiError> {
        let _alone = self.gate.write().await;
        let mut last = self.last.lock().await;
        if let Some((at, numbers)) = last.as_ref()
            && *at >= answered
        {
            return Ok(Arc::clone(numbers));
        }
        let at = self.answered.load(Ordering::SeqCst);
        let numbers: Arc<NumberSet> = Arc::new(
            client
                .list_monitored(id)
                .await?
                .numbers
                .into_iter()
                .collect(),
        );
        *last = Some((at, Arc::clone(&numbers)));
        Ok(numbers)
    }

    /// Adds answered so far.
    pub(super) fn answered(&self) -> u64 {
        self.answered.load(Ordering::SeqCst)
    }
}

/// How a batch ended: its refused numbers, or stopped by an interruption.
pub(super) enum BatchEnd {
    Done(Refusals),
    Interrupted,
}

/// The split of one batch, as a pure state machine: which part to send next, and what
/// each answer means. `add_batch` drives it with the API; its unit tests drive it alone.
#[derive(Debug)]
pub(super) struct Bisection {
    /// Parts still to send; the last is sent next.
    pending: Vec<Vec<E164>>,
    /// Numbers refused alone, with the API's reason.
    refused: Refusals,
    /// Parts sent again after an ambiguous failure.
    resends: u32,
    /// How many resends are allowed (the client's retries).
    most_resends: u32,
}

/// What an ambiguous failure of one part leads to, once the monitored numbers are read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unsure {
    /// Every number of the part is monitored: it landed.
    Landed,
    /// Some did not land: send them again after backoff number `retries_done`.
    Resend {
        /// Resends made before this one (for the backoff).
        retries_done: u32,
    },
    /// Some did not land and the resend budget is spent: these numbers are not added.
    Exhausted {
        /// The numbers not monitored.
        missing: Vec<E164>,
        /// Sends made.
        attempts: u32,
    },
}

impl Bisection {
    /// The whole batch, to be sent first; what did not land after an ambiguous failure
    /// is sent again at most `most_resends` times.
    pub(super) fn new(batch: &[E164], most_resends: u32) -> Self {
        Self {
            pending: vec![batch.to_vec()],
            refused: Vec::new(),
            resends: 0,
            most_resends,
        }
    }

    /// The next part to send, if any.
    pub(super) fn next(&mut self) -> Option<Vec<E164>> {
        while let Some(part) = self.pending.pop() {
            if !part.is_empty() {
                return Some(part);
            }
        }
        None
    }

    /// The API refused `part` with a 400: a single number is refused with `reason` (and
    /// returned for the event), a larger part is split in halves, the left half next.
    pub(super) fn refused(&mut self, part: Vec<E164>, reason: String) -> Option<(String, String)> {
        match part.as_slice() {
            [number] => {
                let refusal = (number.to_string(), reason);
                self.refused.push(refusal.clone());
                Some(refusal)
            }
            _ => {
                let (left, right) = part.split_at(part.len() / 2);
                self.pending.push(right.to_vec());
                self.pending.push(left.to_vec());
                None
            }
        }
    }

    /// `part` failed ambiguously and `monitored` is what the re-read found.
    pub(super) fn unsure(&mut self, part: &[E164], monitored: &NumberSet) -> Unsure {
        let missing: Vec<E164> = part
            .iter()
            .copied()
            .filter(|number| !monitored.contains(number))
            .collect();
        if missing.is_empty() {
            return Unsure::Landed;
        }
        if self.resends >= self.most_resends {
            return Unsure::Exhausted {
                missing,
                attempts: self.resends + 1,
            };
        }
        let retries_done = self.resends;
        self.resends += 1;
        self.pending.push(missing);
        Unsure::Resend { retries_done }
    }

    /// The numbers refused alone, with reasons.
    pub(super) fn finish(self) -> Refusals {
        self.refused
    }
}

/// Adds one batch; a batch the API rejects as a whole is split in halves until the numbers
/// at fault are alone (the halves that succeed add their numbers). An ambiguous failure is
/// decided by a re-read that no add of this run races (`Rereads`), and what did not land
/// is sent again as often as the client retries, with backoff; then the step fails naming
/// the numbers.
pub(super) async fn add_batch(
    client: &Client,
    id: &str,
    batch: &[E164],
    step: usize,
    rereads: &Rereads,
    interrupted: &AtomicBool,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<BatchEnd, ApplyError> {
    let api = |source| ApplyError::Api {
        step,
        action: "add_numbers",
        source,
    };
    let mut bisection = Bisection::new(batch, client.retry_policy().max_retries);
    while let Some(part) = bisection.next() {
        if interrupted.load(Ordering::SeqCst) {
            return Ok(BatchEnd::Interrupted);
        }
        let (answer, answered) = rereads.add(client, id, &part).await;
        match answer {
            Ok(()) => {}
            Err(error) if error.is_ambiguous() => {
                // Atomic: either the whole part was added or none of it. Read it back.
                let monitored = rereads.monitored(client, id, answered).await.map_err(api)?;
                let landed = part
                    .iter()
                    .filter(|number| monitored.contains(number))
                    .count();
                events(Event::Reread {
                    step,
                    finding: format!(
                        "{landed} of {} numbers of the batch are monitored",
                        part.len()
                    ),
                });
                match bisection.unsure(&part, &monitored) {
                    Unsure::Landed => {}
                    Unsure::Resend { retries_done } => {
                        let wait =
                            crate::telnyx::retry::default_wait(retries_done, fastrand::f64());
                        if !pause(wait, interrupted).await {
                            return Ok(BatchEnd::Interrupted);
                        }
                    }
                    Unsure::Exhausted { missing, attempts } => {
                        let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
                        return Err(ApplyError::BatchUnsure {
                            step,
                            attempts,
                            numbers: crate::plan::render::summarize(&listed, false),
                            source: Box::new(error),
                        });
                    }
                }
            }
            Err(ApiError {
                kind:
                    ApiErrorKind::Status {
                        status: 400,
                        errors,
                    },
                ..
            }) => {
                let reason = errors
                    .iter()
                    .filter_map(|entry| entry.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                if let Some((phone_number, reason)) = bisection.refused(part, reason) {
                    events(Event::NumberRefused {
                        step,
                        phone_number,
                        reason,
                    });
                }
            }
            Err(source) => return Err(api(source)),
        }
    }
    Ok(BatchEnd::Done(bisection.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt as _;

    /// A client of an in-process sandbox whose terms are not agreed, so a listing answers
    /// 403: what the gate does is the same whatever the listing finds.
    async fn sandbox_client() -> (crate::sandbox::Sandbox, Client) {
        let sandbox = crate::sandbox::Sandbox::start(crate::sandbox::SandboxConfig::local())
            .await
            .unwrap();
        let key = crate::telnyx::ApiKey::new("KEY-test").unwrap();
        let config = crate::telnyx::ClientConfig::new(sandbox.base_url(), key);
        (sandbox, Client::new(config).unwrap())
    }

    #[tokio::test]
    async fn a_reread_waits_for_the_adds_in_flight_and_holds_new_ones_back() {
        let (sandbox, client) = sandbox_client().await;
        let rereads = Rereads::default();
        let in_flight = rereads.gate.read().await;
        let mut reread = std::pin::pin!(rereads.monitored(&client, "missing", 0));
        assert!(
            (&mut reread).now_or_never().is_none(),
            "listed beside an add in flight"
        );
        let mut queued = std::pin::pin!(rereads.add(&client, "missing", &[]));
        assert!(
            (&mut queued).now_or_never().is_none(),
            "an add went out beside the re-read"
        );
        assert_eq!(client.request_count(), 0);
        drop(in_flight);
        assert_eq!(reread.await.unwrap_err().status(), Some(403));
        assert_eq!(
            client.request_count(),
            1,
            "one listing, once the add was answered"
        );
        let (answer, answered) = queued.await;
        assert_eq!((answer.is_err(), answered), (true, 1));
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn adds_answered_before_a_listing_are_decided_from_it() {
        let (sandbox, client) = sandbox_client().await;
        let rereads = Rereads::default();
        let listed: Arc<NumberSet> = Arc::new(numbers(0..2).into_iter().collect());
        *rereads.last.lock().await = Some((3, Arc::clone(&listed)));
        for answered in [1, 3] {
            let found = rereads
                .monitored(&client, "missing", answered)
                .await
                .unwrap();
            assert!(Arc::ptr_eq(&found, &listed));
        }
        assert_eq!(client.request_count(), 0);
        // An add answered after that listing needs a new one.
        let newer = rereads.monitored(&client, "missing", 4).await;
        assert_eq!(newer.unwrap_err().status(), Some(403));
        assert_eq!(client.request_count(), 1);
        sandbox.shutdown().await;
    }

    fn numbers(range: std::ops::Range<u64>) -> Vec<E164> {
        range
            .map(|index| E164::parse(&format!("+1202555{index:04}")).unwrap())
            .collect()
    }

    #[test]
    fn a_refused_batch_is_split_until_the_numbers_at_fault_are_alone() {
        let batch = numbers(0..8);
        let bad = batch[5];
        let mut bisection = Bisection::new(&batch, 2);
        let mut sent = Vec::new();
        while let Some(part) = bisection.next() {
            sent.push(part.len());
            if part.contains(&bad) {
                bisection.refused(part, "not in the inventory".to_owned());
            }
        }
        // 8 refused → 4 ok, 4 refused → 2 (4,5) refused, 2 ok → 1 ok, 1 refused alone.
        assert_eq!(sent, [8, 4, 4, 2, 1, 1, 2]);
        assert_eq!(
            bisection.finish(),
            [(bad.to_string(), "not in the inventory".to_owned())]
        );
    }

    #[test]
    fn an_unsure_part_is_resent_twice_then_given_up() {
        let batch = numbers(0..3);
        let mut bisection = Bisection::new(&batch, 2);
        let mut outcomes = Vec::new();
        let half_landed: NumberSet = batch[..1].iter().copied().collect();
        while let Some(part) = bisection.next() {
            let outcome = bisection.unsure(&part, &half_landed);
            let done = matches!(outcome, Unsure::Exhausted { .. });
            outcomes.push(outcome);
            if done {
                break;
            }
        }
        assert_eq!(
            outcomes,
            [
                Unsure::Resend { retries_done: 0 },
                Unsure::Resend { retries_done: 1 },
                Unsure::Exhausted {
                    missing: batch[1..].to_vec(),
                    attempts: 3
                },
            ]
        );
        let mut landed = Bisection::new(&batch, 2);
        let part = landed.next().unwrap();
        assert_eq!(
            landed.unsure(&part, &batch.iter().copied().collect()),
            Unsure::Landed
        );
        assert_eq!(landed.next(), None);
    }
}
