//! Query completions from the log: popular searches that found answers. A completion is
//! shown to every visitor, so the bar is high: never a query that mostly found nothing, that
//! carries a redaction placeholder, whose words the articles do not use (`known`), or that
//! fewer than `min_visits` different visits made (a rare query may be personal); and only
//! visits that also read an article count (a script that sends the same search without
//! keeping the visit cookie, or without ever opening a page, makes a new visit each time
//! and none of them counts). Read from the rollups: the cost follows the number of
//! wordings read (each 30-day bucket's most searched, so the window is the current bucket
//! and the ones back to `days` ago), not of searches.

use std::collections::HashMap;

use super::store::{Store, StoreError};
use super::tally::DAY;
use crate::text::analyze::normalize_text;

/// Per locale, popular queries with their search counts, most searched first.
pub type Completions = HashMap<String, Vec<(String, u64)>>;

/// Wordings read per 30-day bucket and locale (the most searched) before folding and
/// filtering.
const CANDIDATES: usize = 2_000;

/// The completions of the `days` up to `now`; `known(locale, text)` says whether the
/// articles of `locale` use every word of `text`.
pub async fn popular(
    store: &Store,
    (now, days): (i64, i64),
    min_visits: i64,
    per_locale: usize,
    known: impl Fn(&str, &str) -> bool,
) -> Result<Completions, StoreError> {
    let from_day = now.div_euclid(DAY) - days;
    // A wording needs `min_visits` readers on its own or with its case/width variants:
    // read every wording with a reader, then fold.
    let rows = store.popular_wordings(from_day, 1, CANDIDATES).await?;
    let mut folded: HashMap<(String, String), (u64, i64)> = HashMap::new();
    for (locale, wording, searches, readers) in rows {
        let text = normalize_text(&wording).split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() < 2 || text.contains('[') {
            continue;
        }
        let e = folded.entry((locale, text)).or_default();
        e.0 += searches.max(0) as u64;
        e.1 += readers;
    }
    let mut out: Completions = HashMap::new();
    for ((locale, text), (count, readers)) in folded {
        if readers >= min_visits && known(&locale, &text) {
            out.entry(locale).or_default().push((text, count));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(per_locale);
    }
    Ok(out)
}
