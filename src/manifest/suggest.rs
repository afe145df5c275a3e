//! "Did you mean …?": the nearest known spelling of a misspelt key or value.

/// The candidate closest to `found`, if one is close enough to be a likely typo: the same
/// word up to case, `_`, `-` and spaces, or within a Damerau–Levenshtein distance of about a
/// third of its length.
pub fn suggest<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let normalized = normalize(found);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if normalize(candidate) == normalized {
            return Some(candidate);
        }
        let distance = strsim::damerau_levenshtein(&found.to_lowercase(), candidate);
        let limit = (candidate.chars().count() / 3).clamp(1, 3);
        if distance <= limit && best.is_none_or(|(nearest, _)| distance < nearest) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

fn normalize(text: &str) -> String {
    text.chars()
        .filter(|character| !matches!(character, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(found: &str, candidates: &[&str], expected: Option<&str>) {
        assert_eq!(suggest(found, candidates.iter().copied()), expected);
    }

    #[test]
    fn suggestions() {
        let fields = ["enabled", "loa", "check_frequency", "numbers", "prune"];
        case("check_frequncy", &fields, Some("check_frequency"));
        case("CheckFrequency", &fields, Some("check_frequency"));
        case("numbrs", &fields, Some("numbers"));
        case("lao", &fields, Some("loa"));
        case("colour", &fields, None);
        case(
            "customer_service",
            &["customer service", "support"],
            Some("customer service"),
        );
        case("Daily", &["daily", "weekly"], Some("daily"));
        case("dayly", &["daily", "weekly"], Some("daily"));
    }
}
