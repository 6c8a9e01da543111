//! Query completions from the log: popular searches that found answers, never one that
//! had no results, that carries a redaction placeholder, or that fewer than `min_visits`
//! different visits made (a rare query may be personal).

use std::collections::{HashMap, HashSet};

use super::Dataset;
use crate::text::analyze::normalize_text;

/// Per locale, popular queries with their search counts, most searched first.
pub type Completions = HashMap<String, Vec<(String, u64)>>;

/// The completions in `data`.
pub fn popular(data: &Dataset, min_visits: usize, per_locale: usize) -> Completions {
    // (locale, text) → (searches, visits, any without results)
    let mut groups: HashMap<(String, String), (u64, HashSet<&str>, bool)> = HashMap::new();
    for s in &data.searches {
        let text = normalize_text(&s.3).split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() < 2 || text.contains('[') {
            continue;
        }
        let entry = groups.entry((s.2.clone(), text)).or_insert((0, HashSet::new(), false));
        entry.0 += 1;
        entry.1.insert(s.8.as_str());
        entry.2 |= s.5 == 0;
    }
    let mut out: Completions = HashMap::new();
    for ((locale, text), (count, visits, had_zero)) in groups {
        if !had_zero && visits.len() >= min_visits {
            out.entry(locale).or_default().push((text, count));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(per_locale);
    }
    out
}
