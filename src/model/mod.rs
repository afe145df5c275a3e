//! The plain values telrep reasons about: what the manifest asks for (`Desired`) and the
//! validated newtypes both sides share. Depends on nothing else in the crate, so every
//! planning rule built on it stays a pure, testable function.

mod desired;
mod e164;
mod enums;
mod live;

pub use desired::{
    Address, BillingContact, Desired, EnterpriseId, EnterpriseSpec, Loa, NumberList,
    OrganizationContact, Origin, Place, ReputationSpec,
};
pub use e164::E164;
pub use enums::{
    CheckFrequency, CountryCode, Industry, NumberOfEmployees, OrganizationLegalType,
    OrganizationType, RoleType, WireEnum,
};
pub use live::{Eligibility, Live, LiveEnterprise, LiveReputation, OtherEnterprise, Status};

pub(crate) use desired::is_lowercase_uuid;
