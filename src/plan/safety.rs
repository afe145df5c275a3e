//! The safety rails: what a plan may not do unless the user says so, each refusal saying
//! what would happen and which flag accepts it (docs/design.md, "Safety rails"). Pure
//! functions of counts and options, so each rail is a unit test.

use super::{PlanOptions, thousands};

/// The rule id of the removal rail.
pub const MASS_REMOVAL: &str = "mass_removal";
/// The rule id of the disable rail.
pub const DISABLE_REFUSED: &str = "disable_refused";

/// Removing more than max(10, 25 % of the live monitored numbers), or every number, needs
/// `--allow-mass-removal`: the refusal, if this removal needs it.
pub fn removal_refusal(
    live: usize,
    removals: usize,
    to_zero: bool,
    options: PlanOptions,
) -> Option<String> {
    if options.allow_mass_removal || removals == 0 {
        return None;
    }
    let threshold = (live / 4).max(10);
    if to_zero {
        Some(format!(
            "`prune: true` with no numbers would remove {}; pass --allow-mass-removal to accept",
            if live == 1 {
                "the 1 monitored number".to_owned()
            } else {
                format!("all {} monitored numbers", thousands(live))
            }
        ))
    } else if removals > threshold {
        Some(format!(
            "`prune: true` would remove {} of {} monitored numbers, more than max(10, 25 %) = {}; pass --allow-mass-removal to accept",
            thousands(removals),
            thousands(live),
            thousands(threshold)
        ))
    } else {
        None
    }
}

/// Any disable (alone, or in the cascade that replaces an approved LOA) de-registers every
/// number and needs `--allow-disable`: the refusal of `what`, if refused.
pub fn disable_refusal(what: &str, options: PlanOptions) -> Option<String> {
    (!options.allow_disable).then(|| format!("{what}; pass --allow-disable to accept"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(live: usize, removals: usize, to_zero: bool, expected: Option<&str>) {
        assert_eq!(
            removal_refusal(live, removals, to_zero, PlanOptions::default()).as_deref(),
            expected
        );
        let allowed = PlanOptions {
            allow_mass_removal: true,
            ..PlanOptions::default()
        };
        assert_eq!(removal_refusal(live, removals, to_zero, allowed), None);
    }

    #[test]
    fn removal_rail() {
        case(100, 0, false, None);
        case(100, 10, false, None);
        case(100, 25, false, None);
        case(
            100,
            26,
            false,
            Some(
                "`prune: true` would remove 26 of 100 monitored numbers, more than max(10, 25 %) = 25; pass --allow-mass-removal to accept",
            ),
        );
        case(
            20,
            11,
            false,
            Some(
                "`prune: true` would remove 11 of 20 monitored numbers, more than max(10, 25 %) = 10; pass --allow-mass-removal to accept",
            ),
        );
        case(
            1,
            1,
            true,
            Some(
                "`prune: true` with no numbers would remove the 1 monitored number; pass --allow-mass-removal to accept",
            ),
        );
        case(
            4_000,
            4_000,
            true,
            Some(
                "`prune: true` with no numbers would remove all 4,000 monitored numbers; pass --allow-mass-removal to accept",
            ),
        );
    }

    #[test]
    fn disable_rail() {
        assert_eq!(
            disable_refusal("this disables", PlanOptions::default()).as_deref(),
            Some("this disables; pass --allow-disable to accept")
        );
        let allowed = PlanOptions {
            allow_disable: true,
            ..PlanOptions::default()
        };
        assert_eq!(disable_refusal("this disables", allowed), None);
    }
}
