//! Writing a batch: every table and its rollup deltas in one transaction. A click, contact
//! or vote that names a search is credited to it (first click and first contact only, so
//! rates stay at most 100%). Each backend runs the same plan with the same SQL:
//! [`super::write_postgres`] as multi-row statements over sqlx (a batch of thousands of
//! events costs tens of round trips), [`super::write_sqlite`] as prepared single-row
//! statements through SQLite's C API on a blocking thread.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::event::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, ViewEvent};
use super::tally::{ArticleCounts, BUCKET_DAYS, Counts, DAY, Deltas, SearchKey, SearchRef, wording};

/// A rollup table: its key and the counters an upsert adds to (`counters`, then `more`).
pub(super) struct Rollup {
    table: &'static str,
    keys: &'static [&'static str],
    counters: &'static [&'static str],
    more: &'static [&'static str],
}

impl Rollup {
    /// `INSERT INTO table (keys…, counters…) VALUES ` and
    /// ` ON CONFLICT (keys…) DO UPDATE SET counter = table.counter + excluded.counter, …`,
    /// to put the rows between.
    pub fn upsert(&self) -> (String, String) {
        let Rollup { table, keys, .. } = self;
        let counters: Vec<&str> = self.counters.iter().chain(self.more).copied().collect();
        let head = format!("INSERT INTO {table} ({}, {}) VALUES ", keys.join(", "), counters.join(", "));
        let sums: Vec<String> = counters.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
        (head, format!(" ON CONFLICT ({}) DO UPDATE SET {}", keys.join(", "), sums.join(", ")))
    }

    /// Values per row.
    pub fn columns(&self) -> usize {
        self.keys.len() + self.counters.len() + self.more.len()
    }
}

/// The counters of a query's, a key's and a source's day.
const QUERY_COUNTERS: &[&str] =
    &["searches", "zero_results", "clicked", "click_position", "contacted", "helpful", "not_helpful", "visits"];

pub(super) const SEARCH_ROLLUP: Rollup = Rollup {
    table: "search_rollup",
    keys: &["day", "locale", "source", "normalized", "wording"],
    counters: QUERY_COUNTERS,
    more: &["reader_visits"],
};
pub(super) const DAY_ROLLUP: Rollup = Rollup {
    table: "day_rollup",
    keys: &["day", "locale", "source"],
    counters: QUERY_COUNTERS,
    more: &["refinements"],
};
pub(super) const ARTICLE_ROLLUP: Rollup = Rollup {
    table: "article_rollup",
    keys: &["day", "locale", "slug"],
    counters: &["views", "votes", "helpful", "score_sum", "scores", "contacts"],
    more: &[],
};
pub(super) const KEY_DAYS: Rollup =
    Rollup { table: "key_days", keys: &["normalized", "locale", "day"], counters: QUERY_COUNTERS, more: &[] };
pub(super) const WORDING_BUCKETS: Rollup = Rollup {
    table: "wording_buckets",
    keys: &["bucket", "locale", "wording"],
    counters: &["searches", "zero_results", "reader_visits"],
    more: &[],
};
pub(super) const KEY_BUCKETS: Rollup = Rollup {
    table: "key_buckets",
    keys: &["bucket", "locale", "normalized"],
    counters: &["searches", "failure"],
    more: &[],
};
pub(super) const SEARCHES: (&str, &str) = (
    "INSERT INTO searches (id, at, locale, query, normalized, results, corrected, source, visit, suggestion_chosen, clicked) VALUES ",
    " ON CONFLICT (id) DO NOTHING",
);
pub(super) const CLICKS: &str = "INSERT INTO clicks (at, search_id, slug, position, kind, visit) VALUES ";
pub(super) const FEEDBACK: &str =
    "INSERT INTO feedback (at, locale, slug, helpful, reason, comment, score, search_id, visit) VALUES ";
pub(super) const CONTACTS: &str = "INSERT INTO contacts (at, locale, search_id, slug, query, visit) VALUES ";
pub(super) const VIEWS: &str = "INSERT INTO views (at, locale, slug, search_id, visit) VALUES ";
pub(super) const JOURNAL_MARK: &str = "INSERT INTO journal_marks (journal, replayed) VALUES ($1, $2) ON CONFLICT (journal) DO UPDATE SET replayed = excluded.replayed";

/// Sets a search's first click (only if it has none) and reads back what crediting it needs.
pub(super) const FIRST_CLICK: &str = "UPDATE searches SET clicked = $2 WHERE id = $1 AND clicked = 0 RETURNING at, locale, source, normalized, query, visit";
/// Marks a search as followed by a contact (once) and reads back what crediting it needs.
pub(super) const CONTACTED: &str = "UPDATE searches SET contacted = 1 WHERE id = $1 AND contacted = 0 RETURNING at, locale, source, normalized, query, visit";
/// What crediting a vote to its search needs.
pub(super) const SEARCH_REF: &str = "SELECT at, locale, source, normalized, query, visit FROM searches WHERE id = $1";
/// A search whose suggestion was chosen.
pub(super) const CHOSEN: &str = "UPDATE searches SET suggestion_chosen = 1 WHERE id = $1";

/// A search row read back to credit it: (at, locale, source, normalized, query, visit).
pub(super) type RefRow = (i64, String, String, String, String, String);

pub(super) fn search_ref((at, locale, source, normalized, query, visit): RefRow) -> SearchRef {
    SearchRef {
        key: SearchKey { day: at.div_euclid(DAY), locale, source, normalized, wording: wording(&query) },
        visit,
    }
}

/// The events of a batch by kind, searches deduplicated by id.
#[derive(Default)]
pub(super) struct Split<'a> {
    pub searches: Vec<&'a SearchEvent>,
    pub clicks: Vec<&'a ClickEvent>,
    pub feedback: Vec<&'a FeedbackEvent>,
    pub contacts: Vec<&'a ContactEvent>,
    pub views: Vec<&'a ViewEvent>,
}

pub(super) fn split(batch: &[Event]) -> Split<'_> {
    let mut s = Split::default();
    let mut ids = HashSet::default();
    for event in batch {
        match event {
            Event::Search(e) => {
                if ids.insert(e.id.as_str()) {
                    s.searches.push(e);
                }
            }
            Event::Click(e) => s.clicks.push(e),
            Event::Feedback(e) => s.feedback.push(e),
            Event::Contact(e) => s.contacts.push(e),
            Event::View(e) => s.views.push(e),
        }
    }
    s
}

impl<'a> Split<'a> {
    /// The first click of the batch per search, with its position (at least 1). A search
    /// of the same batch is stored with it (`clicked` set as it is inserted); the others
    /// are updated afterwards.
    pub fn first_clicks(&self) -> HashMap<&'a str, i64> {
        let mut firsts = HashMap::default();
        for c in &self.clicks {
            firsts.entry(c.search_id.as_str()).or_insert(c.position.max(1));
        }
        firsts
    }

    /// Searches whose suggestion was chosen.
    pub fn chosen(&self) -> Vec<&'a str> {
        self.clicks.iter().filter(|c| c.kind == "suggestion").map(|c| c.search_id.as_str()).collect()
    }

    /// Searches that votes name.
    pub fn voted(&self) -> Vec<&'a str> {
        self.feedback.iter().filter_map(|f| f.search_id.as_deref()).collect()
    }

    /// Searches that contact requests name, each once.
    pub fn contacted(&self) -> Vec<&'a str> {
        let mut ids: Vec<&str> = self.contacts.iter().filter_map(|c| c.search_id.as_deref()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// (bucket, locale, wording or grouping key): the key of a bucket row.
type BucketKey<'a> = (i64, &'a str, &'a str);

/// The rollups derived from the per-query deltas: per key and day, per bucket and wording
/// (searches, zero-result searches, reader visits), per bucket and key (searches, failure).
/// Each list is in its table's primary-key order: upserts walk each B-tree from one end to
/// the other instead of jumping between pages (at 10 million searches those trees are
/// several times the page cache).
pub(super) struct Derived<'a> {
    pub searches: Vec<(&'a SearchKey, &'a Counts)>,
    pub key_days: Vec<((&'a str, &'a str, i64), Counts)>,
    pub wordings: Vec<(BucketKey<'a>, (i64, i64, i64))>,
    pub buckets: Vec<(BucketKey<'a>, (i64, i64))>,
}

pub(super) fn derive(deltas: &Deltas) -> Derived<'_> {
    let mut keys: HashMap<(&str, &str, i64), Counts> = HashMap::default();
    let mut wordings: HashMap<BucketKey<'_>, (i64, i64, i64)> = HashMap::default();
    let mut buckets: HashMap<BucketKey<'_>, (i64, i64)> = HashMap::default();
    for (k, c) in &deltas.searches {
        keys.entry((k.normalized.as_str(), k.locale.as_str(), k.day)).or_default().add(c);
        let bucket = k.day.div_euclid(BUCKET_DAYS);
        let w = wordings.entry((bucket, k.locale.as_str(), k.wording.as_str())).or_default();
        w.0 += c.searches;
        w.1 += c.zero_results;
        w.2 += c.reader_visits;
        let b = buckets.entry((bucket, k.locale.as_str(), k.normalized.as_str())).or_default();
        b.0 += c.searches;
        b.1 += c.failure();
    }
    fn sorted<K: Ord, V>(map: HashMap<K, V>) -> Vec<(K, V)> {
        let mut rows: Vec<(K, V)> = map.into_iter().collect();
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        rows
    }
    let mut searches: Vec<(&SearchKey, &Counts)> = deltas.searches.iter().collect();
    searches.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Derived { searches, key_days: sorted(keys), wordings: sorted(wordings), buckets: sorted(buckets) }
}

/// One bound value; each table's row is listed once, as an array of these, and each backend
/// binds it its own way.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Int(i64),
    Text(&'a str),
    MaybeInt(Option<i64>),
    MaybeText(Option<&'a str>),
}

use Value::{Int, MaybeInt, MaybeText, Text};

/// A [`SEARCHES`] row, `clicked` being the position of its first click in the same batch.
pub(super) fn search_row(e: &SearchEvent, clicked: i64) -> [Value<'_>; 11] {
    [
        Text(&e.id),
        Int(e.at),
        Text(&e.locale),
        Text(&e.query),
        Text(&e.normalized),
        Int(e.results),
        Int(i64::from(e.corrected)),
        Text(e.source.as_str()),
        Text(&e.visit),
        Int(i64::from(e.suggestion_chosen)),
        Int(clicked),
    ]
}

/// A [`CLICKS`] row.
pub(super) fn click_row(c: &ClickEvent) -> [Value<'_>; 6] {
    [Int(c.at), Text(&c.search_id), Text(&c.slug), Int(c.position), Text(&c.kind), Text(&c.visit)]
}

/// A [`FEEDBACK`] row.
pub(super) fn feedback_row(f: &FeedbackEvent) -> [Value<'_>; 9] {
    [
        Int(f.at),
        Text(&f.locale),
        Text(&f.slug),
        Int(i64::from(f.helpful)),
        MaybeText(f.reason.as_deref()),
        MaybeText(f.comment.as_deref()),
        MaybeInt(f.score),
        MaybeText(f.search_id.as_deref()),
        Text(&f.visit),
    ]
}

/// A [`CONTACTS`] row.
pub(super) fn contact_row(c: &ContactEvent) -> [Value<'_>; 6] {
    [
        Int(c.at),
        Text(&c.locale),
        MaybeText(c.search_id.as_deref()),
        MaybeText(c.slug.as_deref()),
        MaybeText(c.query.as_deref()),
        Text(&c.visit),
    ]
}

/// A [`VIEWS`] row.
pub(super) fn view_row(v: &ViewEvent) -> [Value<'_>; 5] {
    [Int(v.at), Text(&v.locale), Text(&v.slug), MaybeText(v.search_id.as_deref()), Text(&v.visit)]
}

/// A [`SEARCH_ROLLUP`] row.
pub(super) fn search_rollup_row<'a>(k: &'a SearchKey, c: &Counts) -> [Value<'a>; 14] {
    [
        Int(k.day),
        Text(&k.locale),
        Text(&k.source),
        Text(&k.normalized),
        Text(&k.wording),
        Int(c.searches),
        Int(c.zero_results),
        Int(c.clicked),
        Int(c.click_position),
        Int(c.contacted),
        Int(c.helpful),
        Int(c.not_helpful),
        Int(c.visits),
        Int(c.reader_visits),
    ]
}

/// A [`KEY_DAYS`] row.
pub(super) fn key_day_row<'a>(&((normalized, locale, day), c): &((&'a str, &'a str, i64), Counts)) -> [Value<'a>; 11] {
    [
        Text(normalized),
        Text(locale),
        Int(day),
        Int(c.searches),
        Int(c.zero_results),
        Int(c.clicked),
        Int(c.click_position),
        Int(c.contacted),
        Int(c.helpful),
        Int(c.not_helpful),
        Int(c.visits),
    ]
}

/// A [`WORDING_BUCKETS`] row.
pub(super) fn wording_row<'a>(
    &((bucket, locale, wording), (searches, zero, readers)): &(BucketKey<'a>, (i64, i64, i64)),
) -> [Value<'a>; 6] {
    [Int(bucket), Text(locale), Text(wording), Int(searches), Int(zero), Int(readers)]
}

/// A [`KEY_BUCKETS`] row.
pub(super) fn bucket_row<'a>(
    &((bucket, locale, normalized), (searches, failure)): &(BucketKey<'a>, (i64, i64)),
) -> [Value<'a>; 5] {
    [Int(bucket), Text(locale), Text(normalized), Int(searches), Int(failure)]
}

/// A [`DAY_ROLLUP`] row.
pub(super) fn day_row<'a>((day, locale, source): &'a (i64, String, String), c: &Counts) -> [Value<'a>; 12] {
    [
        Int(*day),
        Text(locale),
        Text(source),
        Int(c.searches),
        Int(c.zero_results),
        Int(c.clicked),
        Int(c.click_position),
        Int(c.contacted),
        Int(c.helpful),
        Int(c.not_helpful),
        Int(c.visits),
        Int(c.refinements),
    ]
}

/// An [`ARTICLE_ROLLUP`] row.
pub(super) fn article_row<'a>((day, locale, slug): &'a (i64, String, String), a: &ArticleCounts) -> [Value<'a>; 9] {
    [
        Int(*day),
        Text(locale),
        Text(slug),
        Int(a.views),
        Int(a.votes),
        Int(a.helpful),
        Int(a.score_sum),
        Int(a.scores),
        Int(a.contacts),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_rollups_come_in_primary_key_order() {
        let mut deltas = Deltas::default();
        for (day, locale, source, key) in [
            (20_001, "ko", "page", "b"),
            (20_000, "en", "api", "z"),
            (20_000, "en", "api", "a"),
            (20_040, "en", "page", "a"),
        ] {
            let k = SearchKey {
                day,
                locale: locale.into(),
                source: source.into(),
                normalized: key.into(),
                wording: key.to_uppercase(),
            };
            deltas.searches.insert(k, Counts { searches: 1, ..Counts::default() });
        }
        let d = derive(&deltas);
        let days: Vec<(i64, &str)> = d.searches.iter().map(|(k, _)| (k.day, k.normalized.as_str())).collect();
        assert_eq!(days, [(20_000, "a"), (20_000, "z"), (20_001, "b"), (20_040, "a")]);
        let keys: Vec<_> = d.key_days.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [("a", "en", 20_000), ("a", "en", 20_040), ("b", "ko", 20_001), ("z", "en", 20_000)]);
        assert!(d.wordings.is_sorted_by(|a, b| a.0 <= b.0) && d.buckets.is_sorted_by(|a, b| a.0 <= b.0));
        assert_eq!(d.buckets.iter().map(|(_, (searches, _))| searches).sum::<i64>(), 4, "nothing lost by sorting");
    }

    #[test]
    fn an_upsert_adds_every_counter() {
        let (head, tail) = KEY_BUCKETS.upsert();
        assert_eq!(head, "INSERT INTO key_buckets (bucket, locale, normalized, searches, failure) VALUES ");
        assert_eq!(
            tail,
            " ON CONFLICT (bucket, locale, normalized) DO UPDATE SET searches = key_buckets.searches + excluded.searches, failure = key_buckets.failure + excluded.failure"
        );
        assert_eq!(SEARCH_ROLLUP.columns(), 14);
    }
}
