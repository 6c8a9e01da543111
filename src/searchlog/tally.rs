//! Daily rollups, tallied by the writer: each batch of events becomes a handful of counter
//! deltas per (day, locale, source, query) and per article, added to the rollup tables in
//! the same transaction as the events, so a report over millions of events reads a few
//! thousand rows and always agrees with the raw tables.
//!
//! Distinct visits are counted per UTC day and key from a set the tally keeps in memory
//! (bounded: it keeps the latest two days); with several replicas writing, a visit whose
//! requests reach two replicas may count twice.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet, FxHasher};

use super::event::{FeedbackEvent, SearchEvent, ViewEvent};

/// Seconds in a UTC day; rollup days are `at / DAY`.
pub const DAY: i64 = 86_400;
/// Days per ranking bucket (`key_buckets`): a 30-day report spans at most two.
pub const BUCKET_DAYS: i64 = 30;

impl Counts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.searches += other.searches;
        self.zero_results += other.zero_results;
        self.clicked += other.clicked;
        self.click_position += other.click_position;
        self.contacted += other.contacted;
        self.helpful += other.helpful;
        self.not_helpful += other.not_helpful;
        self.visits += other.visits;
        self.reader_visits += other.reader_visits;
        self.refinements += other.refinements;
    }

    /// Twice the gap impact: 2 × zero-result + searches with results but no click +
    /// 4 × contacts + 4 × not helpful. Linear in the counts, so deltas add up; never
    /// negative for a day's row.
    pub fn failure(&self) -> i64 {
        2 * self.zero_results
            + (self.searches - self.zero_results - self.clicked)
            + 4 * self.contacted
            + 4 * self.not_helpful
    }
}
/// A visit's next search within this many seconds counts as a refinement of the one before.
pub const REFINEMENT_SECONDS: i64 = 300;
/// Entries kept in the distinct-visit set before older days are dropped.
const SEEN_BOUND: usize = 2_000_000;
/// Visits remembered for refinements and readers (a visit lasts 30 minutes: this covers
/// well over 100k visits an hour).
const VISITS_BOUND: usize = 100_000;
/// Searches a visit may make before reading anything that are remembered to credit later.
const UNREAD_BOUND: usize = 8;

/// The rollup key of a search (ordered as `search_rollup`'s primary key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SearchKey {
    /// UTC day number.
    pub day: i64,
    /// Locale searched.
    pub locale: String,
    /// `page`, `api` or `typeahead`.
    pub source: String,
    /// Grouping key.
    pub normalized: String,
    /// The query with spacing collapsed, original case.
    pub wording: String,
}

/// What the store needs to know of an earlier search to credit a click, contact or vote to it.
#[derive(Debug, Clone)]
pub struct SearchRef {
    /// The search's rollup key.
    pub key: SearchKey,
    /// Its visit.
    pub visit: String,
}

/// Counter deltas of one rollup row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Searches.
    pub searches: i64,
    /// Searches with no results.
    pub zero_results: i64,
    /// Searches with at least one click.
    pub clicked: i64,
    /// Sum of the first click's position.
    pub click_position: i64,
    /// Searches followed by a contact request.
    pub contacted: i64,
    /// "Yes" votes after these searches.
    pub helpful: i64,
    /// "No" votes after these searches.
    pub not_helpful: i64,
    /// Distinct visits.
    pub visits: i64,
    /// Distinct visits that also read an article (completions count only these).
    pub reader_visits: i64,
    /// Searches that refined the visit's previous search.
    pub refinements: i64,
}

/// Counter deltas of one article and day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArticleCounts {
    /// Views.
    pub views: i64,
    /// Votes.
    pub votes: i64,
    /// "Yes" votes.
    pub helpful: i64,
    /// Sum of 1–10 scores.
    pub score_sum: i64,
    /// Votes with a score.
    pub scores: i64,
    /// Contact requests from the article.
    pub contacts: i64,
}

/// The deltas of one batch.
#[derive(Debug, Default)]
pub struct Deltas {
    /// Per query and day.
    pub searches: HashMap<SearchKey, Counts>,
    /// Per (day, locale, source).
    pub days: HashMap<(i64, String, String), Counts>,
    /// Per (day, locale, slug).
    pub articles: HashMap<(i64, String, String), ArticleCounts>,
}

/// The row of `key`, cloning the key only when the row is new (most lookups find one).
fn row<'m, K: Hash + Eq + Clone, V: Default>(map: &'m mut HashMap<K, V>, key: &K) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.clone(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

impl Deltas {
    fn both(&mut self, key: &SearchKey, f: impl Fn(&mut Counts)) {
        f(row(&mut self.searches, key));
        f(self.days.entry((key.day, key.locale.clone(), key.source.clone())).or_default());
    }
}

/// The writer's memory between batches: which visits were already counted, each visit's
/// last search (for refinements) and whether it read an article.
#[derive(Debug, Default)]
pub struct Tally {
    seen: HashSet<(i64, u64)>,
    newest_day: i64,
    newest_at: i64,
    visits: HashMap<u64, VisitState>,
    /// Entries added to `seen` by the batch being written, removed again if it fails.
    added: Vec<(i64, u64)>,
}

#[derive(Debug, Default)]
struct VisitState {
    last_search: Option<(i64, u64)>,
    reader: bool,
    /// Searches made before the visit read anything (credited when it does).
    unread: Vec<SearchKey>,
    last_at: i64,
}

/// A 64-bit key for the in-memory sets (FxHash: fast; a rare collision only miscounts a
/// visit).
fn hash(parts: &[&str]) -> u64 {
    let mut h = FxHasher::default();
    parts.hash(&mut h);
    h.finish()
}

/// The query as shown in reports: spacing collapsed, case kept.
pub fn wording(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for word in query.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

impl Tally {
    /// True the first time `parts` is seen on `day`.
    fn first(&mut self, day: i64, parts: &[&str]) -> bool {
        if day > self.newest_day {
            self.newest_day = day;
        }
        if self.seen.len() >= SEEN_BOUND {
            let keep = self.newest_day - 1;
            self.seen.retain(|(d, _)| *d >= keep);
            if self.seen.len() >= SEEN_BOUND {
                self.seen.clear();
            }
        }
        let entry = (day, hash(parts));
        let new = self.seen.insert(entry);
        if new {
            self.added.push(entry);
        }
        new
    }

    /// Starts a batch.
    pub fn begin(&mut self) {
        self.added.clear();
    }

    /// The batch was not written: forget the visits it counted, so the retry counts them.
    pub fn undo(&mut self) {
        for entry in self.added.drain(..) {
            self.seen.remove(&entry);
        }
    }

    fn visit(&mut self, visit: &str, at: i64) -> &mut VisitState {
        self.newest_at = self.newest_at.max(at);
        if self.visits.len() >= VISITS_BOUND {
            let cutoff = self.newest_at - 1800;
            self.visits.retain(|_, v| v.last_at >= cutoff);
            if self.visits.len() >= VISITS_BOUND {
                self.visits.clear();
            }
        }
        let state = self.visits.entry(hash(&[visit])).or_default();
        state.last_at = state.last_at.max(at);
        state
    }

    fn credit_reader(&mut self, deltas: &mut Deltas, key: &SearchKey, visit: &str) {
        if self.first(key.day, &["reader", &key.locale, &key.wording, visit]) {
            row(&mut deltas.searches, key).reader_visits += 1;
        }
    }

    /// A new search.
    pub fn search(&mut self, deltas: &mut Deltas, s: &SearchEvent) -> SearchKey {
        let key = SearchKey {
            day: s.at.div_euclid(DAY),
            locale: s.locale.clone(),
            source: s.source.as_str().to_owned(),
            normalized: s.normalized.clone(),
            wording: wording(&s.query),
        };
        let zero = i64::from(s.results == 0);
        let new_for_key = self.first(key.day, &["key", &key.locale, &key.normalized, &s.visit]);
        let new_for_day = self.first(key.day, &["day", &key.locale, &key.source, &s.visit]);
        let normalized = hash(&[&key.normalized]);
        let state = self.visit(&s.visit, s.at);
        let refined =
            state.last_search.is_some_and(|(at, n)| n != normalized && (0..=REFINEMENT_SECONDS).contains(&(s.at - at)));
        state.last_search = Some((s.at, normalized));
        let reader = state.reader;
        if !reader && state.unread.len() < UNREAD_BOUND {
            state.unread.push(key.clone());
        }
        let counts = row(&mut deltas.searches, &key);
        counts.searches += 1;
        counts.zero_results += zero;
        counts.visits += i64::from(new_for_key);
        counts.refinements += i64::from(refined);
        let day = deltas.days.entry((key.day, key.locale.clone(), key.source.clone())).or_default();
        day.searches += 1;
        day.zero_results += zero;
        day.visits += i64::from(new_for_day);
        day.refinements += i64::from(refined);
        if reader {
            self.credit_reader(deltas, &key, &s.visit);
        }
        key
    }

    /// The first click on an earlier search.
    pub fn clicked(&mut self, deltas: &mut Deltas, search: &SearchKey, position: i64) {
        deltas.both(search, |c| {
            c.clicked += 1;
            c.click_position += position;
        });
    }

    /// The first contact request after an earlier search.
    pub fn contacted(&mut self, deltas: &mut Deltas, search: &SearchRef) {
        deltas.both(&search.key, |c| c.contacted += 1);
    }

    /// A contact request from an article page.
    pub fn contact_from(&mut self, deltas: &mut Deltas, at: i64, locale: &str, slug: &str) {
        deltas.articles.entry((at.div_euclid(DAY), locale.to_owned(), slug.to_owned())).or_default().contacts += 1;
    }

    /// A vote, and the search that led to it when known.
    pub fn voted(&mut self, deltas: &mut Deltas, f: &FeedbackEvent, search: Option<&SearchRef>) {
        let a = deltas.articles.entry((f.at.div_euclid(DAY), f.locale.clone(), f.slug.clone())).or_default();
        a.votes += 1;
        a.helpful += i64::from(f.helpful);
        if let Some(score) = f.score {
            a.score_sum += score;
            a.scores += 1;
        }
        if let Some(search) = search {
            let helpful = f.helpful;
            deltas.both(&search.key, |c| {
                if helpful {
                    c.helpful += 1;
                } else {
                    c.not_helpful += 1;
                }
            });
        }
    }

    /// An article view; the visit's earlier searches now count as a reader's.
    pub fn viewed(&mut self, deltas: &mut Deltas, v: &ViewEvent) {
        deltas.articles.entry((v.at.div_euclid(DAY), v.locale.clone(), v.slug.clone())).or_default().views += 1;
        let state = self.visit(&v.visit, v.at);
        if state.reader {
            return;
        }
        state.reader = true;
        let unread = std::mem::take(&mut state.unread);
        for key in unread {
            self.credit_reader(deltas, &key, &v.visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::searchlog::Source;

    fn search(q: &str, visit: &str, at: i64) -> SearchEvent {
        SearchEvent {
            id: q.into(),
            at,
            locale: "en".into(),
            query: q.into(),
            typed: q.into(),
            normalized: crate::searchlog::normalize(q),
            results: 1,
            corrected: false,
            source: Source::Page,
            visit: visit.into(),
            suggestion_chosen: false,
        }
    }

    #[test]
    fn visits_count_once_per_day_and_readers_are_credited_later() {
        let (mut tally, mut deltas) = (Tally::default(), Deltas::default());
        let at = 20_000 * DAY;
        let key = tally.search(&mut deltas, &search("refund", "v1", at));
        tally.search(&mut deltas, &search("Refund", "v1", at + 10));
        tally.search(&mut deltas, &search("refund", "v2", at + 20));
        let by_key: i64 =
            deltas.searches.iter().filter(|(k, _)| k.normalized == key.normalized).map(|(_, c)| c.visits).sum();
        assert_eq!(by_key, 2, "two visits, three searches");
        assert_eq!(deltas.days[&(20_000, "en".into(), "page".into())].visits, 2);
        assert_eq!(deltas.searches[&key].reader_visits, 0);
        let view =
            ViewEvent { at: at + 30, locale: "en".into(), slug: "refunds".into(), search_id: None, visit: "v1".into() };
        tally.viewed(&mut deltas, &view);
        assert_eq!(deltas.searches[&key].reader_visits, 1, "the search before the view counts as a reader's");
        tally.search(&mut deltas, &search("invoice", "v1", at + 100));
        let day = &deltas.days[&(20_000, "en".into(), "page".into())];
        assert_eq!(day.refinements, 1, "refund → invoice within five minutes (Refund → refund is the same query)");
    }
}
