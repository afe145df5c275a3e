//! The API's closed value sets (docs/api.md, "Enterprises" and "Reputation settings"), one
//! Rust enum each, spelled on the wire exactly as the API spells them.

use std::fmt;

/// Lets the manifest validator read any of these enums and suggest the nearest spelling.
pub trait WireEnum: Sized + Copy + 'static {
    /// Every variant, in the API's order, for "expected one of" messages.
    const ALL: &'static [Self];
    /// The API's spelling.
    fn as_str(self) -> &'static str;
    /// The variant spelled `text` on the wire, if any.
    fn from_wire(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|variant| variant.as_str() == text)
    }
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        #[expect(missing_docs, reason = "each variant is its wire spelling, given beside it")]
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $wire)] $variant ),+
        }

        impl WireEnum for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// What kind of organisation the enterprise is; fixed once the enterprise exists.
    pub enum OrganizationType {
        Commercial = "commercial",
        Government = "government",
        NonProfit = "non_profit",
    }
}

wire_enum! {
    /// The enterprise's country; the API knows the US and Canada, and it is immutable.
    pub enum CountryCode {
        Us = "US",
        Ca = "CA",
    }
}

wire_enum! {
    /// Headcount bracket the API asks for when vetting an enterprise.
    pub enum NumberOfEmployees {
        From1To10 = "1-10",
        From11To50 = "11-50",
        From51To200 = "51-200",
        From201To500 = "201-500",
        From501To2000 = "501-2000",
        From2001To10000 = "2001-10000",
        Over10000 = "10001+",
    }
}

wire_enum! {
    /// The enterprise's legal form, part of its vetting.
    pub enum OrganizationLegalType {
        Corporation = "corporation",
        Llc = "llc",
        Partnership = "partnership",
        Nonprofit = "nonprofit",
        Other = "other",
    }
}

wire_enum! {
    /// Whether the enterprise calls for itself or as a business-process outsourcer; immutable.
    pub enum RoleType {
        Enterprise = "enterprise",
        Bpo = "bpo",
    }
}

wire_enum! {
    /// How often Telnyx refreshes every monitored number; each refresh is billed per number.
    pub enum CheckFrequency {
        BusinessDaily = "business_daily",
        Daily = "daily",
        Weekly = "weekly",
        Biweekly = "biweekly",
        Monthly = "monthly",
        Never = "never",
    }
}

wire_enum! {
    /// How likely the call-screening ecosystem is to label a number spam; a policy's
    /// ceiling (ordered low < medium < high).
    pub enum SpamRisk {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

impl Default for CheckFrequency {
    /// The API's own default, so an omitted `check_frequency` means what Telnyx means.
    fn default() -> Self {
        Self::BusinessDaily
    }
}

wire_enum! {
    /// The industry the API vets the enterprise under; several values contain spaces.
    pub enum Industry {
        Accounting = "accounting",
        Finance = "finance",
        Billing = "billing",
        Collections = "collections",
        Business = "business",
        Charity = "charity",
        Nonprofit = "nonprofit",
        Communications = "communications",
        Telecom = "telecom",
        CustomerService = "customer service",
        Support = "support",
        Delivery = "delivery",
        Shipping = "shipping",
        Logistics = "logistics",
        Education = "education",
        Financial = "financial",
        Banking = "banking",
        Government = "government",
        Public = "public",
        Healthcare = "healthcare",
        Health = "health",
        Pharmacy = "pharmacy",
        Medical = "medical",
        Insurance = "insurance",
        Legal = "legal",
        Law = "law",
        Notifications = "notifications",
        Scheduling = "scheduling",
        RealEstate = "real estate",
        Property = "property",
        Retail = "retail",
        Ecommerce = "ecommerce",
        Sales = "sales",
        Marketing = "marketing",
        Software = "software",
        Technology = "technology",
        Tech = "tech",
        Media = "media",
        Surveys = "surveys",
        MarketResearch = "market research",
        Travel = "travel",
        Hospitality = "hospitality",
        Hotel = "hotel",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings_round_trip_through_serde() {
        for industry in Industry::ALL {
            let json = serde_json::to_string(industry).unwrap();
            assert_eq!(json, format!("\"{}\"", industry.as_str()));
            assert_eq!(Industry::from_wire(industry.as_str()), Some(*industry));
        }
        assert_eq!(Industry::ALL.len(), 43);
        assert_eq!(
            Industry::from_wire("customer service"),
            Some(Industry::CustomerService)
        );
        assert_eq!(
            NumberOfEmployees::from_wire("10001+"),
            Some(NumberOfEmployees::Over10000)
        );
        assert_eq!(CheckFrequency::from_wire("Daily"), None);
        assert_eq!(CheckFrequency::default().as_str(), "business_daily");
    }
}
