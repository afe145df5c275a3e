//! Observation: reads everything the diff needs into one `Live`, with free calls only, and
//! fails closed (an unreadable page is an error, never an absence).
//!
//! On a converged account whose manifest pins the LOA by `document_id`, exactly: the ToS
//! status; one `GET /enterprises` page filtered by `legal_name` (or `GET /enterprises/{id}`
//! when the manifest pins `id`); `GET /enterprises/{id}/reputation`; and the pages of
//! `GET /enterprises/{id}/reputation/numbers`, in two rounds before the rest of the pages:
//! the terms beside the enterprise, then the settings beside the first number page (the
//! listing's outcome is dropped when the settings say reputation is not enabled). The live
//! LOA document is read for `loa.file`
//! (to compare it), a pinned `loa.document_id` only when a step would link it (`plan`: diff,
//! read, diff again), the inventory and other enterprises only for numbers the plan would
//! add, the ownership proof whenever the settings say one was submitted (and its documents
//! only when the manifest names files).

use crate::model::{NumberMap, NumberSet};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{
    Candidate, Desired, E164, ExternalProof, InventoryRecord, InventoryStatus, Live,
    LiveEnterprise, LiveProof, LiveReputation, Loa, NumberType, OtherEnterprise, OwnershipStatus,
    ReputationSpec, Status,
};
use crate::plan::{Plan, PlanDiagnostic, PlanEnterprise, PlanOptions, Prices, Severity};
use crate::telnyx::wire::{
    Document, Enterprise, PhoneNumber, ReputationNumber, ReputationSettings,
};
use crate::telnyx::{ApiError, Client};

/// Up to this many numbers to add, the inventory is checked one filter call per number;
/// beyond it, one full listing is cheaper.
const PER_NUMBER_LOOKUPS: usize = 10;
/// At most this many other enterprises are named in errors (a free read each).
const OTHERS_NAMED: usize = 10;

/// Why observation failed.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// A call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Two live enterprises have the manifest's exact legal name.
    #[error(
        "two enterprises have legal_name `{legal_name}`: `{first}` and `{second}`; pin one with `enterprise.id` in the manifest"
    )]
    Ambiguous {
        /// The name.
        legal_name: String,
        /// One id.
        first: String,
        /// Another id.
        second: String,
    },
    /// The lookup found no enterprise by the manifest's legal name, yet one by that exact
    /// name monitors its numbers: created between the two reads, on every re-read.
    #[error(
        "the account changed while it was read: no enterprise had legal_name `{legal_name}`, then `{legal_name}` (`{id}`) monitored the manifest's numbers (another run applying at once?)"
    )]
    Changed {
        /// The manifest's legal name.
        legal_name: String,
        /// The enterprise that appeared.
        id: String,
    },
}

/// Reads of one manifest's account before a read that keeps meeting an enterprise created
/// under it is given up as `ObserveError::Changed`.
const READS_WHILE_CHANGING: usize = 3;

/// The account-wide listings each manifest planned in one round would otherwise read on
/// its own (the inventory, every enterprise's monitored numbers, for the numbers a plan
/// would add): read once, by the first manifest that needs them, and shared by the rest.
/// A round ends before anything is written: `apply` verifies without one.
#[derive(Debug, Default)]
pub struct Round {
    inventory: tokio::sync::OnceCell<Arc<Vec<PhoneNumber>>>,
    monitored: tokio::sync::OnceCell<Arc<Vec<ReputationNumber>>>,
}

impl Round {
    async fn inventory(&self, client: &Client) -> Result<Arc<Vec<PhoneNumber>>, ApiError> {
        let listed = self
            .inventory
            .get_or_try_init(|| async { client.list_phone_numbers(None).await.map(Arc::new) });
        listed.await.cloned()
    }

    async fn monitored(&self, client: &Client) -> Result<Arc<Vec<ReputationNumber>>, ApiError> {
        let listed = self
            .monitored
            .get_or_try_init(|| async { client.list_all_numbers().await.map(Arc::new) });
        listed.await.cloned()
    }
}

/// Reads the live state for one manifest.
pub async fn observe(client: &Client, desired: &Desired) -> Result<Live, ObserveError> {
    observe_in(client, desired, &Round::default()).await
}

/// Reads the live state for one manifest of a planning round, again while another run is
/// seen creating the manifest's enterprise under it (its own lookup and its number reads
/// then disagree, and neither half can be planned from).
async fn observe_in(
    client: &Client,
    desired: &Desired,
    round: &Round,
) -> Result<Live, ObserveError> {
    let mut reads = 1;
    loop {
        // A re-read must not reuse the round's account-wide listings: they may be the stale half.
        let fresh = Round::default();
        let live = observe_once(client, desired, if reads == 1 { round } else { &fresh }).await?;
        match appeared_meanwhile(desired, &live) {
            None => return Ok(live),
            Some(id) if reads == READS_WHILE_CHANGING => {
                return Err(ObserveError::Changed {
                    legal_name: desired.enterprise.legal_name.clone(),
                    id: id.to_owned(),
                });
            }
            Some(_) => {
                // The other run's writes, or a search by name that trails them, may need a
                // moment: each re-read waits the client's backoff (about 0.5 s, then 1 s).
                let waited = u32::try_from(reads - 1).unwrap_or(u32::MAX);
                tokio::time::sleep(crate::telnyx::retry::default_wait(waited, fastrand::f64()))
                    .await;
                reads += 1;
            }
        }
    }
}

/// The enterprise with the manifest's exact legal name that monitors its numbers although
/// the lookup by that name found none: it was created between the two reads.
fn appeared_meanwhile<'a>(desired: &Desired, live: &'a Live) -> Option<&'a str> {
    if live.enterprise.is_some() || desired.enterprise.id.is_some() {
        return None;
    }
    live.other_enterprises
        .iter()
        .find(|other| other.legal_name.as_deref() == Some(desired.enterprise.legal_name.as_str()))
        .map(|other| other.id.as_str())
}

/// One read of the live state.
async fn observe_once(
    client: &Client,
    desired: &Desired,
    round: &Round,
) -> Result<Live, ObserveError> {
    // Neither read needs the other: both are asked at once. When both fail, the terms'
    // error is the one reported, so the same failure always reads the same.
    let (terms, found) = tokio::join!(client.tos_status(), find_enterprise(client, desired));
    let terms = terms?;
    let (enterprise, similar) = found?;
    let mut live = Live {
        terms_agreed: !terms.agreement_required,
        enterprise: enterprise.as_ref().map(live_enterprise),
        other_enterprises: similar,
        ..Live::default()
    };
    // Until the terms are agreed every reputation call answers 403: reputation then reads
    // as not enabled, and nothing of it is read.
    if live.terms_agreed
        && let Some(enterprise) = &enterprise
    {
        observe_reputation(client, desired, &enterprise.id, &mut live).await?;
    }

    if let ReputationSpec::Enabled { numbers, .. } = &desired.reputation {
        let monitored = live.number_set();
        let to_add: Vec<E164> = numbers
            .numbers
            .iter()
            .copied()
            .filter(|number| !monitored.contains(number))
            .collect();
        if !to_add.is_empty() {
            live.candidates = candidates(
                client,
                round,
                &to_add,
                live.enterprise
                    .as_ref()
                    .map(|enterprise| enterprise.id.as_str()),
                live.terms_agreed,
            )
            .await?;
            name_owners(client, &mut live).await?;
        }
    }
    Ok(live)
}

/// The reputation side of an enterprise whose terms are agreed: the settings (none when
/// reputation is not enabled) and what they point at (the LOA document for `loa.file`, the
/// ownership proof when one was submitted), read beside its numbers. The listing does not
/// wait for the settings: its first page goes out with them, and when the settings say
/// reputation is not enabled the listing's outcome, whatever it is, is dropped. The
/// settings' error is reported before the listing's.
async fn observe_reputation(
    client: &Client,
    desired: &Desired,
    id: &str,
    live: &mut Live,
) -> Result<(), ObserveError> {
    let declared = match &desired.reputation {
        ReputationSpec::Enabled {
            loa,
            external_verification,
            ..
        } => Some((loa, external_verification.as_ref())),
        ReputationSpec::Disabled => None,
    };
    let (settings, monitored) = tokio::join!(
        settings_and_documents(client, id, declared),
        client.list_monitored(id)
    );
    let Some((settings, documents)) = settings? else {
        return Ok(());
    };
    let monitored = monitored?;
    live.numbers = monitored.numbers;
    live.number_set = monitored.set;
    live.external = monitored.external;
    live.ownership = monitored.ownership;
    documents.store(live);
    live.reputation = Some(live_reputation(settings));
    Ok(())
}

/// What the settings point at, read after them: the LOA document (`None` inside when it
/// is gone) and the ownership proof.
#[derive(Default)]
struct Pointed {
    loa: Option<Option<Document>>,
    proof: Option<Option<LiveProof>>,
}

impl Pointed {
    fn store(self, live: &mut Live) {
        match self.loa {
            Some(Some(document)) => {
                live.loa_sha256 = document.sha256;
                live.loa_size = document
                    .size
                    .filter(|size| size.unit == "bytes")
                    .map(|size| size.amount);
                live.loa_filename = document.filename;
            }
            Some(None) => live.loa_missing = true,
            None => {}
        }
        if let Some(proof) = self.proof {
            live.external_verification = proof;
        }
    }
}

/// The settings, and what they point at that the manifest needs compared (nothing when the
/// manifest disables reputation).
async fn settings_and_documents(
    client: &Client,
    id: &str,
    declared: Option<(&Loa, Option<&ExternalProof>)>,
) -> Result<Option<(ReputationSettings, Pointed)>, ObserveError> {
    let Some(settings) = client.get_reputation(id).await? else {
        return Ok(None);
    };
    let mut pointed = Pointed::default();
    let Some((loa, proof)) = declared else {
        return Ok(Some((settings, pointed)));
    };
    if let (Loa::File { .. }, Some(document)) = (loa, &settings.loa_document_id) {
        pointed.loa = Some(client.get_document(document).await?);
    }
    // Read whenever one was submitted, declared or not: an approved proof the manifest no
    // longer declares still covers the numbers hosted elsewhere.
    if settings.external_verification_status.is_some() {
        pointed.proof = Some(live_proof(client, id, proof).await?);
    }
    Ok(Some((settings, pointed)))
}
/// The live ownership proof, with each document's sha256 when the manifest names files.
async fn live_proof(
    client: &Client,
    id: &str,
    declared: Option<&ExternalProof>,
) -> Result<Option<LiveProof>, ObserveError> {
    let Some(verification) = client.get_external_verification(id).await? else {
        return Ok(None);
    };
    let mut sha256 = BTreeMap::new();
    if let Some(ExternalProof::Files(_)) = declared {
        for document in &verification.document_ids {
            let found = client.get_document(document).await?;
            sha256.insert(document.clone(), found.and_then(|found| found.sha256));
        }
    }
    Ok(Some(LiveProof {
        status: Status::from_wire(&verification.status),
        document_ids: verification.document_ids,
        rejection_reason: verification.rejection_reason,
        sha256,
    }))
}

fn live_reputation(settings: ReputationSettings) -> LiveReputation {
    LiveReputation {
        status: Status::from_wire(&settings.status),
        loa_status: Status::from_wire(&settings.loa_status),
        loa_document_id: settings.loa_document_id,
        check_frequency: settings.check_frequency,
        // No reasons is a documented possibility: the list is then empty.
        rejection_reasons: settings.rejection_reasons.unwrap_or_default(),
        external_verification_status: settings
            .external_verification_status
            .as_deref()
            .map(Status::from_wire),
    }
}

/// Observes, diffs, and checks the pinned documents the plan would link (a free read each;
/// none on a converged account), diffing again when one was read. An account that cannot
/// be read gives a failed plan that says so: never a plan against an empty account.
pub async fn plan(
    client: &Client,
    desired: &Desired,
    options: PlanOptions,
    prices: Prices,
) -> Plan {
    plan_with_live(client, desired, options, prices).await.0
}

/// As `plan`, with the account it was made from (none when it could not be read), for
/// `plan --format diff`, which shows that account.
pub async fn plan_with_live(
    client: &Client,
    desired: &Desired,
    options: PlanOptions,
    prices: Prices,
) -> (Plan, Option<Live>) {
    plan_in(client, desired, options, prices, &Round::default()).await
}

/// Plans every manifest at once in one round (their requests share the client's
/// `--concurrency` permits, and the account-wide listings are read once), in their order.
pub async fn plan_all(
    client: &Client,
    desireds: &[Desired],
    options: PlanOptions,
    prices: Prices,
) -> Vec<Plan> {
    let round = Round::default();
    let plans = desireds
        .iter()
        .map(|desired| plan_in(client, desired, options, prices, &round));
    futures::future::join_all(plans)
        .await
        .into_iter()
        .map(|(plan, _)| plan)
        .collect()
}

/// `plan_with_live` for one manifest of a round.
async fn plan_in(
    client: &Client,
    desired: &Desired,
    options: PlanOptions,
    prices: Prices,
    round: &Round,
) -> (Plan, Option<Live>) {
    let mut live = match observe_in(client, desired, round).await {
        Ok(live) => live,
        Err(error) => return (unreadable(client, desired, &error), None),
    };
    let diffed = crate::diff::diff_detailed(desired, &live, options, prices);
    let unread: Vec<String> = diffed
        .linked_documents
        .into_iter()
        .filter(|id| !live.documents.contains_key(id))
        .collect();
    if unread.is_empty() {
        return (diffed.plan, Some(live));
    }
    for id in unread {
        match client.get_document(&id).await {
            Ok(found) => {
                live.documents.insert(id, found.is_some());
            }
            Err(error) => {
                return (unreadable(client, desired, &ObserveError::Api(error)), None);
            }
        }
    }
    let plan = crate::diff::diff(desired, &live, options, prices);
    (plan, Some(live))
}

fn unreadable(client: &Client, desired: &Desired, error: &ObserveError) -> Plan {
    let (rule, message, help) = match error {
        ObserveError::Api(error) => (
            "account_unreadable",
            format!(
                "cannot read the account at `{}`: {}",
                client.host(),
                crate::telnyx::one_line(error)
            ),
            "nothing was planned; check the network, the key, and `--api-url` or `TELNYX_BASE_URL`, then plan again",
        ),
        ObserveError::Ambiguous { .. } => (
            "ambiguous_enterprise",
            error.to_string(),
            "pin the intended enterprise with `enterprise.id`",
        ),
        ObserveError::Changed { .. } => (
            "account_changed",
            error.to_string(),
            "nothing was planned; once the other run is done, plan again (running apply again is safe: it re-reads the account first); if this persists, pin the enterprise with `id:` under `enterprise`",
        ),
    };
    let manifest = desired.manifest.display().to_string();
    let diagnostic = PlanDiagnostic {
        rule: rule.to_owned(),
        severity: Severity::Error,
        message,
        file: manifest.clone(),
        line: None,
        column: None,
        help: Some(help.to_owned()),
    };
    Plan::failed(
        manifest,
        PlanEnterprise {
            id: None,
            legal_name: Some(desired.enterprise.legal_name.clone()),
        },
        vec![diagnostic],
    )
}

/// What `report` and `check` show of one manifest's account, with free calls only: the
/// enterprise, its settings and every record of its number pages (at 250 a page; never a
/// single-number read, which may be billed).
pub async fn account(
    client: &Client,
    desired: &Desired,
) -> Result<crate::report::Account, ObserveError> {
    // The terms and the enterprise are read at once, then the settings beside the number
    // pages (dropped when reputation is not enabled), as `observe` does.
    let (terms, found) = tokio::join!(client.tos_status(), find_enterprise(client, desired));
    let Some(enterprise) = found?.0 else {
        return Ok(crate::report::Account::default());
    };
    // Until the terms are agreed every reputation call answers 403: nothing is monitored.
    if terms?.agreement_required {
        return Ok(crate::report::Account {
            enterprise_id: Some(enterprise.id),
            settings: None,
            numbers: Vec::new(),
        });
    }
    let (settings, numbers) = tokio::join!(
        client.get_reputation(&enterprise.id),
        client.list_reputation_numbers(&enterprise.id, |number: &crate::report::ReportNumber| {
            number.phone_number.clone()
        })
    );
    let settings = settings?;
    let numbers = match &settings {
        Some(_) => numbers?,
        None => Vec::new(),
    };
    Ok(crate::report::Account {
        enterprise_id: Some(enterprise.id),
        settings,
        numbers,
    })
}

/// The id of the manifest's enterprise, when it exists: what the imperative commands
/// (`ownership`) act on.
pub async fn enterprise_id(
    client: &Client,
    desired: &Desired,
) -> Result<Option<String>, ObserveError> {
    let (enterprise, _) = find_enterprise(client, desired).await?;
    Ok(enterprise.map(|enterprise| enterprise.id))
}

/// The manifest's enterprise, and the other live enterprises whose legal name the API's
/// partial filter matched (worth naming when the manifest's is not found).
async fn find_enterprise(
    client: &Client,
    desired: &Desired,
) -> Result<(Option<Enterprise>, Vec<OtherEnterprise>), ObserveError> {
    let legal_name = &desired.enterprise.legal_name;
    if let Some(id) = &desired.enterprise.id {
        let found = client.get_enterprise(id.as_str()).await?;
        if found.is_some() {
            return Ok((found, Vec::new()));
        }
        // A pin that does not exist: the enterprises it may have meant, free to list.
        let similar = client.list_enterprises(Some(legal_name)).await?;
        return Ok((None, others(similar)));
    }
    // The filter is a partial, case-insensitive match: exact matching is ours.
    let (exact, similar): (Vec<Enterprise>, Vec<Enterprise>) = client
        .list_enterprises(Some(legal_name))
        .await?
        .into_iter()
        .partition(|enterprise| enterprise.legal_name == *legal_name);
    let mut exact = exact.into_iter();
    let first = exact.next();
    if let (Some(first), Some(second)) = (&first, exact.next()) {
        return Err(ObserveError::Ambiguous {
            legal_name: legal_name.clone(),
            first: first.id.clone(),
            second: second.id.clone(),
        });
    }
    let similar = if first.is_some() {
        Vec::new()
    } else {
        others(similar)
    };
    Ok((first, similar))
}

fn others(enterprises: Vec<Enterprise>) -> Vec<OtherEnterprise> {
    enterprises
        .into_iter()
        .take(OTHERS_NAMED)
        .map(|enterprise| OtherEnterprise {
            id: enterprise.id,
            legal_name: Some(enterprise.legal_name),
        })
        .collect()
}

/// Names the enterprises that monitor numbers the manifest lists (one free read each, at
/// most `OTHERS_NAMED`), so errors say "`Acme Corp` (`id`)" instead of a bare id.
async fn name_owners(client: &Client, live: &mut Live) -> Result<(), ObserveError> {
    let owners: std::collections::BTreeSet<String> = live
        .candidates
        .values()
        .filter_map(|candidate| candidate.monitored_by.clone())
        .collect();
    for id in owners.into_iter().take(OTHERS_NAMED) {
        if live.other_enterprises.iter().any(|other| other.id == id) {
            continue;
        }
        let legal_name = client
            .get_enterprise(&id)
            .await?
            .map(|enterprise| enterprise.legal_name);
        live.other_enterprises
            .push(OtherEnterprise { id, legal_name });
    }
    Ok(())
}

fn live_enterprise(enterprise: &Enterprise) -> LiveEnterprise {
    let fields = match serde_json::to_value(enterprise) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(key, _)| !matches!(key.as_str(), "created_at" | "updated_at"))
            .collect(),
        _ => BTreeMap::new(),
    };
    LiveEnterprise {
        id: enterprise.id.clone(),
        fields,
    }
}

/// What decides whether each number can be added: its inventory record and the other
/// enterprise monitoring it (the diff decides).
async fn candidates(
    client: &Client,
    round: &Round,
    to_add: &[E164],
    own_enterprise: Option<&str>,
    terms_agreed: bool,
) -> Result<BTreeMap<E164, Candidate>, ObserveError> {
    let wanted: NumberSet = to_add.iter().copied().collect();
    let mut inventory: NumberMap<InventoryRecord> = NumberMap::default();
    let items = if to_add.len() <= PER_NUMBER_LOOKUPS {
        let mut items = Vec::new();
        for number in to_add {
            items.extend(
                client
                    .list_phone_numbers(Some(&number.digits().to_string()))
                    .await?,
            );
        }
        Arc::new(items)
    } else {
        round.inventory(client).await?
    };
    for item in items.iter() {
        if let Some(number) =
            E164::parse(&item.phone_number).filter(|number| wanted.contains(number))
        {
            inventory.insert(
                number,
                InventoryRecord {
                    phone_number_type: NumberType::from_wire(&item.phone_number_type),
                    status: InventoryStatus::from_wire(&item.status),
                    country_iso_alpha2: item.country_iso_alpha2.clone(),
                },
            );
        }
    }
    // Reputation listings answer 403 until the terms are agreed. Then no other enterprise's
    // numbers can be read; apply agrees first, and an add refused because a number is
    // monitored elsewhere names it (bisected). This is the one check plan cannot make.
    let monitored = if terms_agreed {
        round.monitored(client).await?
    } else {
        Arc::default()
    };
    let mut elsewhere: NumberMap<String> = monitored
        .iter()
        .filter(|number| Some(number.enterprise_id.as_str()) != own_enterprise)
        // Telnyx lists a number it removed, but no longer monitors it: it can be added here.
        .filter(|number| {
            number
                .ownership
                .ownership_status
                .as_deref()
                .map(OwnershipStatus::from_wire)
                != Some(OwnershipStatus::Removed)
        })
        .filter_map(|number| {
            let parsed = E164::parse(&number.phone_number)?;
            wanted
                .contains(&parsed)
                .then(|| (parsed, number.enterprise_id.clone()))
        })
        .collect();
    Ok(to_add
        .iter()
        .map(|number| {
            let candidate = Candidate {
                inventory: inventory.remove(number),
                monitored_by: elsewhere.remove(number),
            };
            (*number, candidate)
        })
        .collect())
}
