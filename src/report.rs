//! Reports on the search log for analysts: content gaps (what customers could not find),
//! the words of failed searches, top queries, article helpfulness, the standard search
//! metrics and daily trends. Everything is read from the daily rollups
//! ([`crate::searchlog::aggregate`]), so a report's cost follows the rows it shows and the
//! days it covers, not the number of events; periods are whole UTC days.

use std::collections::HashMap;

use serde::Serialize;

use crate::searchlog::aggregate::{GroupTotals, Order, Scope};
use crate::searchlog::tally::{Counts, DAY};
use crate::searchlog::{Store, StoreError};
use crate::text::typo::{budget, within_typos};

/// Errors of a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--since` is not like `30d`, `12h`, `2w` or `2026-01-31`.
    #[error("`{0}` is not a period: use 30d, 12h, 2w or a date like 2026-01-31")]
    BadPeriod(String),
    /// `--source` is not one of page, api, typeahead.
    #[error("`{0}` is not a source: use page, api or typeahead")]
    BadSource(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seconds in the period named by `since` (`30d`, `12h`, `2w`), or from a date until `now`.
pub fn parse_since(since: &str, now: i64) -> Result<i64, ReportError> {
    let bad = || ReportError::BadPeriod(since.to_owned());
    let since = since.trim();
    if let Ok(date) = time::Date::parse(since, time::macros::format_description!("[year]-[month]-[day]")) {
        let start = date.midnight().assume_utc().unix_timestamp();
        return if start < now { Ok(now - start) } else { Err(bad()) };
    }
    let (number, unit) = since.split_at(since.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_secs = match unit {
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    if n <= 0 || n > 3650 {
        return Err(bad());
    }
    Ok(n * unit_secs)
}

/// A report period and the one before it, of equal length.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Period {
    /// Start (unix seconds, inclusive).
    pub from: i64,
    /// End (exclusive).
    pub to: i64,
}

impl Period {
    /// The period from `since` (`30d`, `12h`, `2w`, or a start date) to `until` (a date,
    /// inclusive; default now).
    pub fn parse(since: &str, until: Option<&str>, now: i64) -> Result<Self, ReportError> {
        let to = match until.map(str::trim).filter(|u| !u.is_empty()) {
            None => now + 1,
            Some(date) => time::Date::parse(date, time::macros::format_description!("[year]-[month]-[day]"))
                .map(|d| d.midnight().assume_utc().unix_timestamp() + 86_400)
                .map_err(|_| ReportError::BadPeriod(date.to_owned()))?,
        };
        let from = to - parse_since(since, to)?;
        if from >= to {
            return Err(ReportError::BadPeriod(since.to_owned()));
        }
        Ok(Self { from, to })
    }

    /// The `length` seconds up to `now`.
    pub fn ending(now: i64, length: i64) -> Self {
        Self { from: now - length, to: now + 1 }
    }

    /// The period just before.
    pub fn previous(&self) -> Self {
        let len = self.to - self.from;
        Self { from: self.from - len, to: self.from }
    }

    /// First and last UTC day touched (today included when the period ends now).
    pub fn days(&self) -> (i64, i64) {
        (self.from.div_euclid(DAY), (self.to - 1).div_euclid(DAY))
    }
}

/// What a report covers: a period, optionally one locale and one source.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The period.
    pub period: Period,
    /// Only this locale.
    pub locale: Option<String>,
    /// Only `page`, `api` or `typeahead`.
    pub source: Option<String>,
}

impl Filter {
    /// A filter; `source` must be page, api or typeahead.
    pub fn new(period: Period, locale: Option<&str>, source: Option<&str>) -> Result<Self, ReportError> {
        let source = source.map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = source
            && crate::searchlog::Source::parse(s).is_none()
        {
            return Err(ReportError::BadSource(s.to_owned()));
        }
        Ok(Self {
            period,
            locale: locale.map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned),
            source: source.map(str::to_owned),
        })
    }

    /// The rollup days of the period.
    pub fn scope(&self) -> Scope {
        let (from_day, to_day) = self.period.days();
        Scope { from_day, to_day, locale: self.locale.clone(), source: self.source.clone() }
    }

    /// The same number of days just before.
    pub fn previous_scope(&self) -> Scope {
        let s = self.scope();
        let len = s.to_day - s.from_day + 1;
        Scope { from_day: s.from_day - len, to_day: s.from_day - 1, ..s }
    }
}

/// One content gap: a group of similar queries that did not lead to an answer.
#[derive(Debug, Clone, Serialize)]
pub struct GapRow {
    /// The group's most common wording, as typed (original case).
    pub query: String,
    /// The grouping key (exports only; not shown).
    pub key: String,
    /// Searches in the period.
    pub searches: i64,
    /// Distinct visits (per day).
    pub visits: i64,
    /// Share of searches with no results.
    pub zero_result_share: f64,
    /// Share of searches with at least one click.
    pub click_through: f64,
    /// Searches followed by a contact request.
    pub contacts: i64,
    /// "Not helpful" votes on articles reached from these searches.
    pub not_helpful: i64,
    /// Up to three wordings, most frequent first.
    pub examples: Vec<String>,
    /// First day with a search (unix seconds, UTC midnight).
    pub first_seen: i64,
    /// Last day with a search.
    pub last_seen: i64,
    /// Searches in the previous period of the same length.
    pub previous_searches: i64,
    /// Ranking score: zero-result searches + ½ × searches with results but no click +
    /// 2 × contacts + 2 × not-helpful votes.
    pub impact: f64,
}

/// A popular query group.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRow {
    /// Most common wording.
    pub query: String,
    /// Grouping key (exports only).
    pub key: String,
    /// Searches.
    pub searches: i64,
    /// Distinct visits (per day).
    pub visits: i64,
    /// Share with no results.
    pub zero_result_share: f64,
    /// Share with a click.
    pub click_through: f64,
}

/// Helpfulness of one article.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    /// Locale.
    pub locale: String,
    /// Slug.
    pub slug: String,
    /// Views.
    pub views: i64,
    /// Votes.
    pub votes: i64,
    /// Share of "yes".
    pub helpful_share: f64,
    /// Average 1–10 score, when given.
    pub average_score: Option<f64>,
    /// Latest comments (redacted).
    pub comments: Vec<String>,
}

/// The standard search metrics of a period, defined once (README, dashboard):
#[derive(Debug, Clone, Default, Serialize)]
pub struct Funnel {
    /// Searches.
    pub searches: i64,
    /// Searches with no results.
    pub no_results: i64,
    /// No-result rate: searches with 0 results ÷ searches.
    pub no_result_rate: f64,
    /// Searches with at least one click.
    pub searches_with_click: i64,
    /// Click-through rate: searches with ≥ 1 click ÷ searches (never above 100%).
    pub click_through_rate: f64,
    /// No-click rate: searches with results but no click ÷ searches with results.
    pub no_click_rate: f64,
    /// Average position of the first click (1 = top result), over searches with a click.
    pub average_click_position: f64,
    /// "Yes" votes after a search.
    pub helpful: i64,
    /// "No" votes after a search.
    pub not_helpful: i64,
    /// Searches followed by a contact request.
    pub contacts_after_search: i64,
    /// Search-to-contact rate: searches followed by a contact request ÷ searches.
    pub search_to_contact_rate: f64,
    /// All contact requests.
    pub contacts: i64,
    /// Visits that searched (a visit counted once a day).
    pub visits: i64,
    /// Searches per visit.
    pub searches_per_visit: f64,
    /// Refinement rate: searches made within 5 minutes of the same visit's previous,
    /// different search ÷ searches.
    pub refinement_rate: f64,
}

/// This period's metrics and the previous period's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    /// This period.
    pub current: Funnel,
    /// The period of the same length just before.
    pub previous: Funnel,
}

/// One day of activity.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Searches.
    pub searches: i64,
    /// Searches with no results.
    pub zero_results: i64,
    /// Searches with a click.
    pub clicks: i64,
    /// Contact requests.
    pub contacts: i64,
}

fn ratio(n: i64, d: i64) -> f64 {
    if d <= 0 { 0.0 } else { (n as f64 / d as f64).clamp(0.0, 1.0) }
}

/// The gap impact: half the failure score the rollups rank by ([`Counts::failure`]).
fn impact(c: &Counts) -> f64 {
    c.failure().max(0) as f64 / 2.0
}

/// The numbers of a grouping key: words with a digit (`1001`, `v2`, `tl1001`…).
fn numbers(key: &str) -> Vec<&str> {
    let mut n: Vec<&str> = key.split(' ').filter(|t| t.chars().any(|c| c.is_numeric())).collect();
    n.sort_unstable();
    n
}

/// True when two grouping keys are the same query up to typos: the same number of terms,
/// each pair equal or within the typo budget of its length, and every term with a digit
/// (error codes, versions, numbers) identical, so `error TL-1001` never joins `TL-1007`.
pub fn near_duplicates(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if numbers(a) != numbers(b) {
        return false;
    }
    let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    ta.len() == tb.len()
        && ta
            .iter()
            .zip(&tb)
            .all(|(x, y)| x == y || within_typos(x, y, budget(x.chars().count().min(y.chars().count()))))
}

/// A merged group: its keys and summed counters.
struct Merged {
    keys: Vec<String>,
    counts: Counts,
    first_day: i64,
    last_day: i64,
}

/// Near-duplicate groups joined into the bigger one (the input is ordered biggest first).
/// A typo is rarer than the spelling it misses: a variant joins a group only when it has at
/// most half the group's searches, so two real words a letter apart that are both asked
/// often (`slack`, `stack`; product names) stay apart.
fn merge(groups: Vec<GroupTotals>) -> Vec<Merged> {
    let mut merged: Vec<Merged> = Vec::new();
    for g in groups {
        let rare = |m: &Merged| 2 * g.counts.searches <= m.counts.searches;
        match merged.iter_mut().find(|m| rare(m) && near_duplicates(&m.keys[0], &g.normalized)) {
            Some(m) => {
                m.counts.add(&g.counts);
                m.keys.push(g.normalized);
                m.first_day = m.first_day.min(g.first_day);
                m.last_day = m.last_day.max(g.last_day);
            }
            None => merged.push(Merged {
                keys: vec![g.normalized],
                counts: g.counts,
                first_day: g.first_day,
                last_day: g.last_day,
            }),
        }
    }
    merged
}

/// Per group key, its wordings folded by case and spacing, most searched first; each shown
/// in its most common original form.
async fn examples(store: &Store, scope: &Scope, keys: &[String]) -> Result<HashMap<String, Vec<String>>, StoreError> {
    // key → folded wording → (searches, best original form, its searches)
    let mut by_key: HashMap<String, HashMap<String, (i64, String, i64)>> = HashMap::new();
    for (key, wording, searches) in store.wordings(scope, keys).await? {
        let folded = wording.to_lowercase();
        let e = by_key.entry(key).or_default().entry(folded).or_insert((0, wording.clone(), 0));
        e.0 += searches;
        if searches > e.2 {
            (e.1, e.2) = (wording, searches);
        }
    }
    Ok(by_key
        .into_iter()
        .map(|(key, forms)| {
            let mut forms: Vec<(i64, String)> = forms.into_values().map(|(n, w, _)| (n, w)).collect();
            forms.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            (key, forms.into_iter().map(|(_, w)| w).collect())
        })
        .collect())
}

/// The examples of a merged group: its keys' wordings, most searched first.
fn merged_examples(m: &Merged, examples: &HashMap<String, Vec<String>>, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in &m.keys {
        for w in examples.get(key).into_iter().flatten() {
            if out.len() < n && !out.iter().any(|o| o.eq_ignore_ascii_case(w)) {
                out.push(w.clone());
            }
        }
    }
    out
}

/// How many top groups are read before near-duplicates merge: four times the rows shown
/// (at least 100), so a group's typo variants are there to join it.
fn merge_window(limit: usize) -> usize {
    (4 * limit).max(100)
}

/// Content gaps, most impact first.
pub async fn gaps(store: &Store, filter: &Filter, limit: usize) -> Result<Vec<GapRow>, ReportError> {
    let scope = filter.scope();
    let mut merged = merge(store.groups(&scope, Order::Failure, merge_window(limit)).await?);
    merged.sort_by(|a, b| impact(&b.counts).total_cmp(&impact(&a.counts)).then_with(|| a.keys[0].cmp(&b.keys[0])));
    merged.truncate(limit);
    let keys: Vec<String> = merged.iter().flat_map(|m| m.keys.iter().cloned()).collect();
    let previous = store.groups_named(&filter.previous_scope(), &keys).await?;
    let examples = examples(store, &scope, &keys).await?;
    Ok(merged
        .iter()
        .map(|m| {
            let c = &m.counts;
            let shown = merged_examples(m, &examples, 3);
            GapRow {
                query: shown.first().cloned().unwrap_or_else(|| m.keys[0].clone()),
                key: m.keys[0].clone(),
                searches: c.searches,
                visits: c.visits,
                zero_result_share: ratio(c.zero_results, c.searches),
                click_through: ratio(c.clicked, c.searches),
                contacts: c.contacted,
                not_helpful: c.not_helpful,
                examples: shown,
                first_seen: m.first_day * DAY,
                last_seen: m.last_day * DAY,
                previous_searches: m.keys.iter().filter_map(|k| previous.get(k)).map(|p| p.searches).sum(),
                impact: impact(c),
            }
        })
        .collect())
}

/// One word of failed searches.
#[derive(Debug, Clone, Serialize)]
pub struct KeywordRow {
    /// The word as most often typed (stems and typo variants folded into it).
    pub keyword: String,
    /// Locale.
    pub locale: String,
    /// Distinct failed query groups containing it.
    pub queries: i64,
    /// Visits (per day) behind those searches.
    pub visits: i64,
    /// Failed searches containing it.
    pub searches: i64,
    /// Up to three failed queries with it, most searched first.
    pub examples: Vec<String>,
    /// Articles that mention it (empty: a true content gap). Filled by the caller, which
    /// has the index ([`keywords`]'s `mentions`).
    pub articles: Vec<String>,
}

/// How many failed groups the keyword report reads (the most failed of each 30-day bucket
/// and locale): twenty per keyword shown, 200 to 2,000.
fn keyword_window(limit: usize) -> usize {
    (20 * limit).clamp(200, 2_000)
}

/// The words of one query: Latin words analysed like search (stemmed, stop words out),
/// CJK words as words (katakana/kanji runs, Hangul without particles), not bigrams. Each
/// comes with the surface form to show.
fn query_words(wording: &str) -> Vec<(String, String)> {
    use crate::text::analyze::{analyze, cjk_words, is_cjk, surface_word};
    use crate::text::stopwords::{is_cjk_stop_word, is_stop_word};
    let mut out: Vec<(String, String)> = Vec::new();
    for chunk in wording.split_whitespace() {
        if chunk.chars().any(is_cjk) {
            let mut words = std::collections::HashSet::new();
            cjk_words(chunk, &mut words);
            let mut words: Vec<String> = words.into_iter().filter(|w| !is_cjk_stop_word(w)).collect();
            words.sort();
            out.extend(words.into_iter().map(|w| (w.clone(), w)));
            continue;
        }
        for token in analyze(chunk) {
            if is_stop_word(&token.text) || token.text.chars().count() < 2 || token.text.chars().any(is_cjk) {
                continue;
            }
            let shown = surface_word(chunk).unwrap_or_else(|| token.text.clone());
            out.push((token.text, shown));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The words of failed searches, ranked by how many distinct failed query groups and
/// visits contain them: a topic typed in forty phrasings is one keyword even when no single
/// phrasing is frequent. `mentions(locale, word)` lists the articles that use a word.
pub async fn keywords(store: &Store, filter: &Filter, limit: usize) -> Result<Vec<KeywordRow>, ReportError> {
    keywords_with(store, filter, limit, &|_, _| Vec::new()).await
}

/// The surface form of `term` in `wording`: the word whose analysed form it is.
fn surface_of(term: &str, wording: &str) -> Option<String> {
    use crate::text::analyze::{analyze, surface_word};
    wording
        .split_whitespace()
        .find_map(|chunk| analyze(chunk).iter().any(|t| t.text == term).then(|| surface_word(chunk)).flatten())
}

/// [`keywords`], with the articles that mention each word.
///
/// Latin words come from the grouping keys themselves (already analysed, stop words out),
/// with per-locale totals from `key_days`; only groups with CJK text are read wording by
/// wording (their keys hold bigrams). The shown form and examples are read for the rows
/// shown only.
pub async fn keywords_with(
    store: &Store,
    filter: &Filter,
    limit: usize,
    mentions: &(dyn Fn(&str, &str) -> Vec<String> + Sync),
) -> Result<Vec<KeywordRow>, ReportError> {
    use crate::text::analyze::is_cjk;
    use crate::text::stopwords::is_stop_word;
    let scope = filter.scope();
    let groups = store.groups_approximate(&scope, Order::Failure, keyword_window(limit)).await?;
    let (cjk, latin): (Vec<String>, Vec<String>) =
        groups.iter().map(|g| g.normalized.clone()).partition(|k| k.chars().any(is_cjk));
    // (locale, term) → (groups, visits, searches, surface forms with counts, groups by size)
    type Acc = (std::collections::BTreeSet<String>, i64, i64, HashMap<String, i64>, Vec<(i64, String)>);
    let mut acc: HashMap<(String, String), Acc> = HashMap::new();
    let mut add = |locale: &str, term: String, shown: Option<String>, key: &str, searches: i64, visits: i64| {
        let e = acc.entry((locale.to_owned(), term)).or_default();
        if e.0.insert(key.to_owned()) {
            e.4.push((searches, key.to_owned()));
        } else if let Some(g) = e.4.iter_mut().find(|g| g.1 == key) {
            g.0 += searches;
        }
        e.1 += visits;
        e.2 += searches;
        if let Some(shown) = shown {
            *e.3.entry(shown).or_default() += searches;
        }
    };
    for (locale, key, searches, visits) in store.groups_by_locale(&scope, &latin).await? {
        for term in key.split(' ') {
            if term.chars().count() >= 2 && !is_stop_word(term) && !term.chars().all(|c| c.is_ascii_digit()) {
                add(&locale, term.to_owned(), None, &key, searches, visits);
            }
        }
    }
    for (locale, key, wording, searches, visits) in store.wordings_by_locale(&scope, &cjk).await? {
        for (term, shown) in query_words(&wording) {
            add(&locale, term, Some(shown), &key, searches, visits);
        }
    }
    let mut rows: Vec<(String, String, Acc)> = acc.into_iter().map(|((l, t), a)| (l, t, a)).collect();
    rows.sort_by(|a, b| b.2.0.len().cmp(&a.2.0.len()).then(b.2.1.cmp(&a.2.1)).then_with(|| a.1.cmp(&b.1)));
    rows.truncate(2_000);
    // Typo variants of a word join the more common one (same locale, numbers never).
    let mut merged: Vec<(String, String, Acc)> = Vec::new();
    for (locale, term, a) in rows {
        let budget = budget(term.chars().count());
        let target = merged.iter_mut().find(|(l, t, _)| {
            *l == locale
                && budget > 0
                && !term.chars().any(|c| c.is_numeric())
                && within_typos(t, &term, budget.min(crate::text::typo::budget(t.chars().count())))
        });
        match target {
            Some((_, _, m)) => {
                m.0.extend(a.0);
                m.1 += a.1;
                m.2 += a.2;
                for (shown, n) in a.3 {
                    *m.3.entry(shown).or_default() += n;
                }
                m.4.extend(a.4);
            }
            None => merged.push((locale, term, a)),
        }
    }
    merged.sort_by(|a, b| b.2.0.len().cmp(&a.2.0.len()).then(b.2.1.cmp(&a.2.1)).then_with(|| a.1.cmp(&b.1)));
    merged.truncate(limit);
    // Examples: the most common wording of each keyword's three biggest groups.
    for (_, _, a) in &mut merged {
        a.4.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
        a.4.truncate(3);
    }
    let example_keys: Vec<String> = merged.iter().flat_map(|(_, _, a)| a.4.iter().map(|g| g.1.clone())).collect();
    let mut top_wordings: HashMap<(String, String), (i64, String)> = HashMap::new();
    for (locale, key, wording, searches, _) in store.wordings_by_locale(&scope, &example_keys).await? {
        let e = top_wordings.entry((locale, key)).or_insert((0, String::new()));
        if searches > e.0 || (searches == e.0 && wording < e.1) {
            *e = (searches, wording);
        }
    }
    Ok(merged
        .into_iter()
        .map(|(locale, term, (groups, visits, searches, forms, biggest))| {
            let examples: Vec<String> = biggest
                .iter()
                .filter_map(|(_, key)| top_wordings.get(&(locale.clone(), key.clone())).map(|w| w.1.clone()))
                .collect();
            let keyword = forms
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|f| f.0)
                .or_else(|| examples.iter().find_map(|w| surface_of(&term, w)))
                .unwrap_or(term);
            KeywordRow {
                articles: mentions(&locale, &keyword),
                keyword,
                locale,
                queries: groups.len() as i64,
                visits,
                searches,
                examples,
            }
        })
        .collect())
}

/// Query groups by number of searches.
pub async fn top_queries(store: &Store, filter: &Filter, limit: usize) -> Result<Vec<QueryRow>, ReportError> {
    let scope = filter.scope();
    let mut merged = merge(store.groups(&scope, Order::Searches, merge_window(limit)).await?);
    merged.sort_by(|a, b| b.counts.searches.cmp(&a.counts.searches).then_with(|| a.keys[0].cmp(&b.keys[0])));
    merged.truncate(limit);
    let keys: Vec<String> = merged.iter().flat_map(|m| m.keys.iter().cloned()).collect();
    let examples = examples(store, &scope, &keys).await?;
    Ok(merged
        .iter()
        .map(|m| QueryRow {
            query: merged_examples(m, &examples, 1).pop().unwrap_or_else(|| m.keys[0].clone()),
            key: m.keys[0].clone(),
            searches: m.counts.searches,
            visits: m.counts.visits,
            zero_result_share: ratio(m.counts.zero_results, m.counts.searches),
            click_through: ratio(m.counts.clicked, m.counts.searches),
        })
        .collect())
}

/// Article helpfulness, most votes first.
pub async fn articles(store: &Store, filter: &Filter, limit: usize) -> Result<Vec<ArticleRow>, ReportError> {
    let scope = filter.scope();
    let mut rows = Vec::new();
    for a in store.article_totals(&scope, limit).await? {
        let comments = if a.votes > 0 { store.comments(&scope, &a.locale, &a.slug, 5).await? } else { Vec::new() };
        rows.push(ArticleRow {
            helpful_share: ratio(a.helpful, a.votes),
            average_score: (a.scores > 0).then(|| a.score_sum as f64 / a.scores as f64),
            locale: a.locale,
            slug: a.slug,
            views: a.views,
            votes: a.votes,
            comments,
        });
    }
    Ok(rows)
}

async fn funnel_of(store: &Store, scope: &Scope) -> Result<Funnel, ReportError> {
    let mut c = Counts::default();
    for (_, day) in store.days(scope).await? {
        c.add(&day);
    }
    let contacts: i64 = if scope.source.is_none() {
        store.contacts_per_day(scope).await?.iter().map(|(_, n)| n).sum()
    } else {
        c.contacted
    };
    let with_results = c.searches - c.zero_results;
    Ok(Funnel {
        searches: c.searches,
        no_results: c.zero_results,
        no_result_rate: ratio(c.zero_results, c.searches),
        searches_with_click: c.clicked,
        click_through_rate: ratio(c.clicked, c.searches),
        no_click_rate: ratio(with_results - c.clicked, with_results),
        average_click_position: if c.clicked > 0 { c.click_position as f64 / c.clicked as f64 } else { 0.0 },
        helpful: c.helpful,
        not_helpful: c.not_helpful,
        contacts_after_search: c.contacted,
        search_to_contact_rate: ratio(c.contacted, c.searches),
        contacts,
        visits: c.visits,
        searches_per_visit: if c.visits > 0 { c.searches as f64 / c.visits as f64 } else { 0.0 },
        refinement_rate: ratio(c.refinements, c.searches),
    })
}

/// The standard metrics of the period and of the one before.
pub async fn funnel(store: &Store, filter: &Filter) -> Result<Metrics, ReportError> {
    Ok(Metrics {
        current: funnel_of(store, &filter.scope()).await?,
        previous: funnel_of(store, &filter.previous_scope()).await?,
    })
}

fn day_of(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at).map(|t| t.date().to_string()).unwrap_or_default()
}

/// Activity per UTC day, oldest first, every day of the period (today included) present.
pub async fn trends(store: &Store, filter: &Filter) -> Result<Vec<DayRow>, ReportError> {
    let mut scope = filter.scope();
    scope.from_day = scope.from_day.max(scope.to_day - 400);
    let searches: HashMap<i64, Counts> = store.days(&scope).await?.into_iter().collect();
    let contacts: HashMap<i64, i64> = store.contacts_per_day(&scope).await?.into_iter().collect();
    Ok((scope.from_day..=scope.to_day)
        .map(|day| {
            let c = searches.get(&day).copied().unwrap_or_default();
            DayRow {
                day: day_of(day * DAY),
                searches: c.searches,
                zero_results: c.zero_results,
                clicks: c.clicked,
                contacts: if filter.source.is_some() { c.contacted } else { contacts.get(&day).copied().unwrap_or(0) },
            }
        })
        .collect())
}

/// A report as rows of text cells, for tables and CSV.
pub struct Table {
    /// Column names.
    pub headers: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn date(at: i64) -> String {
    day_of(at)
}

/// Whether a table carries the grouping keys (exports do; the dashboard does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// Shown to people: no internal keys.
    Hidden,
    /// CSV and JSON exports: the key as the last column.
    Exported,
}

impl Table {
    /// Gaps as a table: the group's most common wording first.
    pub fn gaps(rows: &[GapRow], keys: Keys) -> Self {
        let mut headers = vec![
            "query",
            "searches",
            "visits",
            "zero-result",
            "click-through",
            "contacts",
            "not helpful",
            "examples",
            "first seen",
            "last seen",
            "previous period",
            "impact",
        ];
        if keys == Keys::Exported {
            headers.push("group");
        }
        Self {
            headers,
            rows: rows
                .iter()
                .map(|r| {
                    let mut row = vec![
                        r.query.clone(),
                        r.searches.to_string(),
                        r.visits.to_string(),
                        pct(r.zero_result_share),
                        pct(r.click_through),
                        r.contacts.to_string(),
                        r.not_helpful.to_string(),
                        r.examples.join(" | "),
                        date(r.first_seen),
                        date(r.last_seen),
                        r.previous_searches.to_string(),
                        format!("{:.1}", r.impact),
                    ];
                    if keys == Keys::Exported {
                        row.push(r.key.clone());
                    }
                    row
                })
                .collect(),
        }
    }

    /// Keywords of failed searches as a table.
    pub fn keywords(rows: &[KeywordRow]) -> Self {
        Self {
            headers: vec!["keyword", "locale", "failed queries", "visits", "searches", "examples", "articles"],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.keyword.clone(),
                        r.locale.clone(),
                        r.queries.to_string(),
                        r.visits.to_string(),
                        r.searches.to_string(),
                        r.examples.join(" | "),
                        if r.articles.is_empty() { "none: a content gap".to_owned() } else { r.articles.join(" ") },
                    ]
                })
                .collect(),
        }
    }

    /// Top queries as a table.
    pub fn queries(rows: &[QueryRow], keys: Keys) -> Self {
        let mut headers = vec!["query", "searches", "visits", "zero-result", "click-through"];
        if keys == Keys::Exported {
            headers.push("group");
        }
        Self {
            headers,
            rows: rows
                .iter()
                .map(|r| {
                    let mut row = vec![
                        r.query.clone(),
                        r.searches.to_string(),
                        r.visits.to_string(),
                        pct(r.zero_result_share),
                        pct(r.click_through),
                    ];
                    if keys == Keys::Exported {
                        row.push(r.key.clone());
                    }
                    row
                })
                .collect(),
        }
    }

    /// Article helpfulness as a table.
    pub fn articles(rows: &[ArticleRow]) -> Self {
        Self {
            headers: vec!["locale", "article", "views", "votes", "helpful", "avg score", "comments"],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.locale.clone(),
                        r.slug.clone(),
                        r.views.to_string(),
                        r.votes.to_string(),
                        pct(r.helpful_share),
                        r.average_score.map(|s| format!("{s:.1}")).unwrap_or_default(),
                        r.comments.join(" | "),
                    ]
                })
                .collect(),
        }
    }

    /// The metrics as a table: this period and the previous one.
    pub fn funnel(m: &Metrics) -> Self {
        let row = |name: &str, f: &dyn Fn(&Funnel) -> String| vec![name.to_owned(), f(&m.current), f(&m.previous)];
        let rows = vec![
            row("searches", &|f| f.searches.to_string()),
            row("visits", &|f| f.visits.to_string()),
            row("searches per visit", &|f| format!("{:.2}", f.searches_per_visit)),
            row("no-result rate", &|f| format!("{} ({})", pct(f.no_result_rate), f.no_results)),
            row("click-through rate", &|f| format!("{} ({})", pct(f.click_through_rate), f.searches_with_click)),
            row("no-click rate", &|f| pct(f.no_click_rate)),
            row("average click position", &|f| format!("{:.2}", f.average_click_position)),
            row("refinement rate", &|f| pct(f.refinement_rate)),
            row("search-to-contact rate", &|f| {
                format!("{} ({})", pct(f.search_to_contact_rate), f.contacts_after_search)
            }),
            row("helpful / not helpful after a search", &|f| format!("{} / {}", f.helpful, f.not_helpful)),
            row("contacts", &|f| f.contacts.to_string()),
        ];
        Self { headers: vec!["metric", "this period", "previous period"], rows }
    }

    /// Daily trends as a table.
    pub fn trends(rows: &[DayRow]) -> Self {
        Self {
            headers: vec!["day", "searches", "zero results", "searches with a click", "contacts"],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.day.clone(),
                        r.searches.to_string(),
                        r.zero_results.to_string(),
                        r.clicks.to_string(),
                        r.contacts.to_string(),
                    ]
                })
                .collect(),
        }
    }

    /// Aligned plain text.
    pub fn to_text(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count().min(48)))
                    .chain(std::iter::once(self.headers[i].len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    let c: String = c.chars().take(48).collect();
                    format!("{c:<w$}")
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let mut out = line(self.headers.iter().map(|h| (*h).to_owned()).collect());
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row.clone()));
            out.push('\n');
        }
        out
    }

    /// CSV (RFC 4180, CRLF line ends), with cells that a spreadsheet would run as a
    /// formula defused (a leading `'`).
    pub fn to_csv(&self) -> String {
        let defuse = |c: &str| {
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err() {
                format!("'{c}")
            } else {
                c.to_owned()
            }
        };
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        let rows = std::iter::once(self.headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())
            .chain(self.rows.iter().cloned());
        for row in rows {
            // Writing to memory cannot fail.
            let _ = writer.write_record(row.iter().map(|c| defuse(c)));
        }
        writer.into_inner().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_filter_is_page_api_or_typeahead() {
        let period = Period { from: 0, to: 1 };
        for source in ["page", "api", "typeahead", " api "] {
            assert!(Filter::new(period, None, Some(source)).is_ok(), "{source}");
        }
        assert!(matches!(Filter::new(period, None, Some("bot")), Err(ReportError::BadSource(s)) if s == "bot"));
    }

    #[test]
    fn periods() {
        assert_eq!(parse_since("30d", 0).ok(), Some(30 * 86_400));
        assert_eq!(parse_since("12h", 0).ok(), Some(12 * 3600));
        assert_eq!(parse_since("2w", 0).ok(), Some(14 * 86_400));
        assert!(parse_since("soon", 0).is_err());
        assert!(parse_since("0d", 0).is_err());
        let now = 1_767_225_600; // 2026-01-01
        assert_eq!(parse_since("2025-12-31", now).ok(), Some(86_400));
        let p = Period::parse("2025-12-01", Some("2025-12-31"), now).expect("range");
        assert_eq!((p.from, p.to), (now - 31 * 86_400, now), "a whole-day range, end inclusive");
        assert_eq!(Period::parse("7d", Some("2025-12-31"), now).expect("range").from, now - 7 * 86_400);
        assert!(Period::parse("7d", Some("31/12/2025"), now).is_err());
    }

    #[test]
    fn numbers_never_merge_while_typos_and_spacing_do() {
        assert!(!near_duplicates("1001 error tl", "1007 error tl"));
        assert!(!near_duplicates("v2 upgrad", "v3 upgrad"));
        assert!(near_duplicates("warranti xylophon", "warranti xylophn"));
        assert!(near_duplicates("1001 error tl", "1001 errro tl"), "a typo beside an identical code");
        assert!(!near_duplicates("cancel plan", "cancel plans ok"), "a different number of words");
        assert!(!near_duplicates("tl", "tk"), "short words have no typo budget");
        let group = |key: &str, searches: i64| GroupTotals {
            normalized: key.into(),
            counts: Counts { searches, ..Counts::default() },
            first_day: 0,
            last_day: 0,
        };
        let merged = merge(vec![group("slack", 40), group("stack", 30), group("slakc", 3)]);
        let keys: Vec<&Vec<String>> = merged.iter().map(|m| &m.keys).collect();
        assert_eq!(
            keys,
            [&vec!["slack".to_owned(), "slakc".to_owned()], &vec!["stack".to_owned()]],
            "two real words stay apart"
        );
    }

    #[test]
    fn csv_defuses_formulas_and_quotes() {
        let t = Table {
            headers: vec!["q"],
            rows: vec![vec!["=HYPERLINK(\"x\")".into()], vec!["-5".into()], vec!["a,b".into()]],
        };
        let csv = t.to_csv();
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        assert!(csv.contains("\r\n-5\r\n"), "numbers stay numbers: {csv}");
        assert!(csv.contains("\"a,b\""));
    }
}
