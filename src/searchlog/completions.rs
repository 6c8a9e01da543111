//! Query completions from the log: popular searches that found answers. A completion is
//! shown to every visitor, so the bar is high: never a query that had no results, that
//! carries a redaction placeholder, whose words the articles do not use (`known`), or that
//! fewer than `min_visits` different visits made (a rare query may be personal); and only
//! visits that also read an article count (a script that sends the same search without
//! keeping the visit cookie, or without ever opening a page, makes a new visit each time
//! and none of them counts).

use std::collections::{HashMap, HashSet};

use super::Dataset;
use crate::text::analyze::normalize_text;

/// Per locale, popular queries with their search counts, most searched first.
pub type Completions = HashMap<String, Vec<(String, u64)>>;

/// The completions in `data`; `known(locale, text)` says whether the articles of
/// `locale` use every word of `text`.
pub fn popular(
    data: &Dataset,
    min_visits: usize,
    per_locale: usize,
    known: impl Fn(&str, &str) -> bool,
) -> Completions {
    let readers: HashSet<&str> = data.views.iter().map(|v| v.4.as_str()).collect();
    // (locale, text) → (searches, visits, any without results)
    let mut groups: HashMap<(String, String), (u64, HashSet<&str>, bool)> = HashMap::new();
    for s in &data.searches {
        if !readers.contains(s.8.as_str()) {
            continue;
        }
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
        if !had_zero && visits.len() >= min_visits && known(&locale, &text) {
            out.entry(locale).or_default().push((text, count));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(per_locale);
    }
    out
}
