//! Observation: reads everything the diff needs into one `Live`, with free calls only, and
//! fails closed (an unreadable page is an error, never an absence).
//!
//! On a converged account whose manifest pins the LOA by `document_id`, exactly: the ToS
//! status; one `GET /enterprises` page filtered by `legal_name` (or `GET /enterprises/{id}`
//! when the manifest pins `id`); `GET /enterprises/{id}/reputation`; and the pages of
//! `GET /enterprises/{id}/reputation/numbers`. Documents are read only for `loa.file`, the
//! inventory only for numbers the plan would add.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{
    Desired, E164, Eligibility, Live, LiveEnterprise, LiveReputation, Loa, ReputationSpec,
};
use crate::telnyx::wire::{Enterprise, PhoneNumber};
use crate::telnyx::{ApiError, Client};

/// Up to this many numbers to add, the inventory is checked one filter call per number;
/// beyond it, one full listing is cheaper.
const PER_NUMBER_LOOKUPS: usize = 10;

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
}

/// Reads the live state for one manifest.
pub async fn observe(client: &Client, desired: &Desired) -> Result<Live, ObserveError> {
    let terms = client.tos_status().await?;
    let enterprise = find_enterprise(client, desired).await?;
    let mut live = Live {
        terms_agreed: !terms.agreement_required,
        enterprise: enterprise.as_ref().map(live_enterprise),
        ..Live::default()
    };
    if let Some(enterprise) = &enterprise
        && let Some(settings) = client.get_reputation(&enterprise.id).await?
    {
        live.numbers = client.list_monitored(&enterprise.id).await?;
        if let (
            ReputationSpec::Enabled {
                loa: Loa::File { .. },
                ..
            },
            Some(document),
        ) = (&desired.reputation, &settings.loa_document_id)
        {
            live.loa_sha256 = client
                .get_document(document)
                .await?
                .and_then(|document| document.sha256);
        }
        live.reputation = Some(LiveReputation {
            status: settings.status,
            loa_status: settings.loa_status,
            loa_document_id: settings.loa_document_id,
            check_frequency: settings.check_frequency,
            rejection_reasons: settings.rejection_reasons.unwrap_or_default(),
        });
    }

    if let ReputationSpec::Enabled { numbers, .. } = &desired.reputation {
        let monitored: HashSet<E164> = live.numbers.iter().copied().collect();
        let to_add: Vec<E164> = numbers
            .numbers
            .iter()
            .copied()
            .filter(|number| !monitored.contains(number))
            .collect();
        if !to_add.is_empty() {
            live.candidates = eligibility(
                client,
                &to_add,
                live.enterprise
                    .as_ref()
                    .map(|enterprise| enterprise.id.as_str()),
                live.terms_agreed,
            )
            .await?;
        }
    }
    Ok(live)
}

async fn find_enterprise(
    client: &Client,
    desired: &Desired,
) -> Result<Option<Enterprise>, ObserveError> {
    if let Some(id) = &desired.enterprise.id {
        return Ok(client.get_enterprise(id.as_str()).await?);
    }
    let legal_name = &desired.enterprise.legal_name;
    // The filter is a partial, case-insensitive match: exact matching is ours.
    let mut exact = client
        .list_enterprises(Some(legal_name))
        .await?
        .into_iter()
        .filter(|enterprise| enterprise.legal_name == *legal_name);
    let first = exact.next();
    if let (Some(first), Some(second)) = (&first, exact.next()) {
        return Err(ObserveError::Ambiguous {
            legal_name: legal_name.clone(),
            first: first.id.clone(),
            second: second.id.clone(),
        });
    }
    Ok(first)
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

/// Whether each number can be added: in the inventory as an active US local number, and
/// monitored by no other enterprise.
async fn eligibility(
    client: &Client,
    to_add: &[E164],
    own_enterprise: Option<&str>,
    terms_agreed: bool,
) -> Result<BTreeMap<E164, Eligibility>, ObserveError> {
    let wanted: HashSet<E164> = to_add.iter().copied().collect();
    let mut inventory: HashMap<E164, PhoneNumber> = HashMap::new();
    let items = if to_add.len() <= PER_NUMBER_LOOKUPS {
        let mut items = Vec::new();
        for number in to_add {
            items.extend(
                client
                    .list_phone_numbers(Some(&number.digits().to_string()))
                    .await?,
            );
        }
        items
    } else {
        client.list_phone_numbers(None).await?
    };
    for item in items {
        if let Some(number) =
            E164::parse(&item.phone_number).filter(|number| wanted.contains(number))
        {
            inventory.insert(number, item);
        }
    }
    // Reputation listings answer 403 until the terms are agreed. Then no other enterprise's
    // numbers can be read; apply agrees first, and an add refused because a number is
    // monitored elsewhere names it (bisected). This is the one check plan cannot make.
    let monitored = if terms_agreed {
        client.list_all_numbers().await?
    } else {
        Vec::new()
    };
    let elsewhere: HashMap<E164, String> = monitored
        .into_iter()
        .filter(|number| Some(number.enterprise_id.as_str()) != own_enterprise)
        .filter_map(|number| Some((E164::parse(&number.phone_number)?, number.enterprise_id)))
        .filter(|(number, _)| wanted.contains(number))
        .collect();
    Ok(to_add
        .iter()
        .map(|number| {
            let verdict = match (inventory.get(number), elsewhere.get(number)) {
                (None, _) => Eligibility::NotInInventory,
                (Some(item), _) if item.country_iso_alpha2 != "US" => Eligibility::NotUsLocal {
                    field: "country_iso_alpha2".to_owned(),
                    value: item.country_iso_alpha2.clone(),
                },
                (Some(item), _)
                    if !matches!(item.phone_number_type.as_str(), "local" | "longcode") =>
                {
                    Eligibility::NotUsLocal {
                        field: "phone_number_type".to_owned(),
                        value: item.phone_number_type.clone(),
                    }
                }
                (Some(item), _) if item.status != "active" => Eligibility::NotUsLocal {
                    field: "status".to_owned(),
                    value: item.status.clone(),
                },
                (Some(_), Some(enterprise_id)) => Eligibility::MonitoredElsewhere {
                    enterprise_id: enterprise_id.clone(),
                },
                (Some(_), None) => Eligibility::Eligible,
            };
            (*number, verdict)
        })
        .collect())
}
