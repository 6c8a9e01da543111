//! Reports on the search log for analysts: content gaps (what customers could not find),
//! top queries, article helpfulness, the search funnel and daily trends. Aggregation is pure
//! Rust over the stored rows, so both backends give identical reports.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::searchlog::Dataset;
use crate::text::typo::within_typos;

/// Errors in report arguments.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--since` is not like `30d`, `12h`, `2w` or `2026-01-31`.
    #[error("`{0}` is not a period: use 30d, 12h, 2w or a date like 2026-01-31")]
    BadPeriod(String),
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
}

/// One content gap: a group of similar queries that did not lead to an answer.
#[derive(Debug, Clone, Serialize)]
pub struct GapRow {
    /// The group's normalized key.
    pub query: String,
    /// Searches in the period.
    pub searches: usize,
    /// Distinct visits.
    pub visits: usize,
    /// Share of searches with no results.
    pub zero_result_share: f64,
    /// Share of searches with at least one click.
    pub click_through: f64,
    /// Contact requests after these searches.
    pub contacts: usize,
    /// "Not helpful" votes on articles reached from these searches.
    pub not_helpful: usize,
    /// Up to three raw queries, most frequent first.
    pub examples: Vec<String>,
    /// First search (unix seconds).
    pub first_seen: i64,
    /// Last search.
    pub last_seen: i64,
    /// Searches in the previous period of the same length.
    pub previous_searches: usize,
    /// Ranking score: zero-result searches + ½ searches without a click + 2 × contacts +
    /// 2 × not-helpful votes.
    pub impact: f64,
}

/// A popular query group.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRow {
    /// Normalized key.
    pub query: String,
    /// Searches.
    pub searches: usize,
    /// Distinct visits.
    pub visits: usize,
    /// Share with no results.
    pub zero_result_share: f64,
    /// Share with a click.
    pub click_through: f64,
    /// Most frequent raw query.
    pub example: String,
}

/// Helpfulness of one article.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    /// Locale.
    pub locale: String,
    /// Slug.
    pub slug: String,
    /// Views.
    pub views: usize,
    /// Votes.
    pub votes: usize,
    /// Share of "yes".
    pub helpful_share: f64,
    /// Average 1–10 score, when given.
    pub average_score: Option<f64>,
    /// Latest comments (redacted).
    pub comments: Vec<String>,
}

/// Searches → clicks → helpful/contact.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Funnel {
    /// Searches.
    pub searches: usize,
    /// Searches with no results.
    pub no_results: usize,
    /// No-result rate.
    pub no_result_rate: f64,
    /// Searches with at least one click.
    pub searches_with_click: usize,
    /// Click-through rate: searches with a click ÷ searches.
    pub click_through_rate: f64,
    /// "Yes" votes after a search.
    pub helpful: usize,
    /// "No" votes after a search.
    pub not_helpful: usize,
    /// Contact requests after a search.
    pub contacts_after_search: usize,
    /// All contact requests.
    pub contacts: usize,
}

/// One day of activity.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Searches.
    pub searches: usize,
    /// Searches with no results.
    pub zero_results: usize,
    /// Result clicks.
    pub clicks: usize,
    /// Contact requests.
    pub contacts: usize,
}

struct Group {
    ids: Vec<usize>,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

fn in_period(at: i64, p: &Period) -> bool {
    at >= p.from && at < p.to
}

/// Search ids with at least one click.
fn clicked(data: &Dataset) -> HashSet<&str> {
    data.clicks.iter().map(|c| c.1.as_str()).collect()
}

fn groups(data: &Dataset, period: &Period) -> BTreeMap<String, Group> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (i, s) in data.searches.iter().enumerate() {
        if in_period(s.1, period) {
            groups.entry(s.4.clone()).or_insert_with(|| Group { ids: Vec::new() }).ids.push(i);
        }
    }
    groups
}

/// The most frequent raw queries of a group, counted case- and spacing-insensitively.
fn examples(data: &Dataset, ids: &[usize], n: usize) -> Vec<String> {
    let mut counts: HashMap<String, (usize, &str)> = HashMap::new();
    for &i in ids {
        let raw = data.searches[i].3.as_str();
        let key = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        counts.entry(key).or_insert((0, raw)).0 += 1;
    }
    let mut list: Vec<(String, usize)> = counts.into_iter().map(|(key, (count, _))| (key, count)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter().take(n).map(|(q, _)| q).collect()
}

/// Content gaps in `period`, most impact first. `data` must cover the previous period too.
pub fn gaps(data: &Dataset, period: &Period, limit: usize) -> Vec<GapRow> {
    let clicked = clicked(data);
    let previous = groups(data, &period.previous());
    let mut rows: Vec<(GapRow, Vec<usize>)> = groups(data, period)
        .into_iter()
        .map(|(key, g)| {
            let row = gap_row(data, &key, &g.ids, &clicked, previous.get(&key).map_or(0, |p| p.ids.len()));
            (row, g.ids)
        })
        .filter(|(row, _)| row.impact > 0.0)
        .collect();
    rows.sort_by(|a, b| b.0.impact.total_cmp(&a.0.impact).then(a.0.query.cmp(&b.0.query)));
    // Near-duplicates (typos of the same query) join the bigger group.
    rows.truncate(300);
    let mut merged: Vec<(GapRow, Vec<usize>)> = Vec::new();
    for (row, ids) in rows {
        let budget = match row.query.chars().count() {
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        };
        let target =
            (budget > 0).then(|| merged.iter_mut().find(|(m, _)| within_typos(&m.query, &row.query, budget))).flatten();
        match target {
            Some((m, m_ids)) => {
                m_ids.extend(ids);
                let prev = m.previous_searches + row.previous_searches;
                *m = gap_row(data, &m.query, m_ids, &clicked, prev);
            }
            None => merged.push((row, ids)),
        }
    }
    let mut out: Vec<GapRow> = merged.into_iter().map(|(r, _)| r).collect();
    out.sort_by(|a, b| b.impact.total_cmp(&a.impact).then(a.query.cmp(&b.query)));
    out.truncate(limit);
    out
}

fn gap_row(data: &Dataset, key: &str, ids: &[usize], clicked: &HashSet<&str>, previous: usize) -> GapRow {
    let searches: Vec<_> = ids.iter().map(|&i| &data.searches[i]).collect();
    let id_set: HashSet<&str> = searches.iter().map(|s| s.0.as_str()).collect();
    let zero = searches.iter().filter(|s| s.5 == 0).count();
    let with_click = searches.iter().filter(|s| clicked.contains(s.0.as_str())).count();
    let no_click_with_results = searches.iter().filter(|s| s.5 > 0 && !clicked.contains(s.0.as_str())).count();
    let contacts = data.contacts.iter().filter(|c| c.2.as_deref().is_some_and(|id| id_set.contains(id))).count();
    let not_helpful =
        data.feedback.iter().filter(|f| f.3 == 0 && f.7.as_deref().is_some_and(|id| id_set.contains(id))).count();
    let visits: HashSet<&str> = searches.iter().map(|s| s.8.as_str()).collect();
    GapRow {
        query: key.to_owned(),
        searches: searches.len(),
        visits: visits.len(),
        zero_result_share: ratio(zero, searches.len()),
        click_through: ratio(with_click, searches.len()),
        contacts,
        not_helpful,
        examples: examples(data, ids, 3),
        first_seen: searches.iter().map(|s| s.1).min().unwrap_or(0),
        last_seen: searches.iter().map(|s| s.1).max().unwrap_or(0),
        previous_searches: previous,
        impact: zero as f64 + 0.5 * no_click_with_results as f64 + 2.0 * contacts as f64 + 2.0 * not_helpful as f64,
    }
}

/// Query groups by number of searches.
pub fn top_queries(data: &Dataset, period: &Period, limit: usize) -> Vec<QueryRow> {
    let clicked = clicked(data);
    let mut rows: Vec<QueryRow> = groups(data, period)
        .into_iter()
        .map(|(key, g)| {
            let searches: Vec<_> = g.ids.iter().map(|&i| &data.searches[i]).collect();
            let visits: HashSet<&str> = searches.iter().map(|s| s.8.as_str()).collect();
            QueryRow {
                query: key,
                searches: searches.len(),
                visits: visits.len(),
                zero_result_share: ratio(searches.iter().filter(|s| s.5 == 0).count(), searches.len()),
                click_through: ratio(
                    searches.iter().filter(|s| clicked.contains(s.0.as_str())).count(),
                    searches.len(),
                ),
                example: examples(data, &g.ids, 1).pop().unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.searches.cmp(&a.searches).then(a.query.cmp(&b.query)));
    rows.truncate(limit);
    rows
}

/// Per-article running totals: views, votes, yes votes, scores, (time, comment).
type ArticleTotals = (usize, usize, usize, Vec<i64>, Vec<(i64, String)>);

/// Article helpfulness, most votes first.
pub fn articles(data: &Dataset, period: &Period, limit: usize) -> Vec<ArticleRow> {
    let mut map: BTreeMap<(String, String), ArticleTotals> = BTreeMap::new();
    for v in data.views.iter().filter(|v| in_period(v.0, period)) {
        map.entry((v.1.clone(), v.2.clone())).or_default().0 += 1;
    }
    for f in data.feedback.iter().filter(|f| in_period(f.0, period)) {
        let e = map.entry((f.1.clone(), f.2.clone())).or_default();
        e.1 += 1;
        e.2 += usize::from(f.3 != 0);
        if let Some(score) = f.6 {
            e.3.push(score);
        }
        if let Some(comment) = f.5.as_ref().filter(|c| !c.is_empty()) {
            e.4.push((f.0, comment.clone()));
        }
    }
    let mut rows: Vec<ArticleRow> = map
        .into_iter()
        .map(|((locale, slug), (views, votes, yes, scores, mut comments))| {
            comments.sort_by_key(|c| std::cmp::Reverse(c.0));
            ArticleRow {
                locale,
                slug,
                views,
                votes,
                helpful_share: ratio(yes, votes),
                average_score: (!scores.is_empty()).then(|| scores.iter().sum::<i64>() as f64 / scores.len() as f64),
                comments: comments.into_iter().take(5).map(|(_, c)| c).collect(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.votes.cmp(&a.votes).then(b.views.cmp(&a.views)).then(a.slug.cmp(&b.slug)));
    rows.truncate(limit);
    rows
}

/// The search funnel.
pub fn funnel(data: &Dataset, period: &Period) -> Funnel {
    let clicked = clicked(data);
    let searches: Vec<_> = data.searches.iter().filter(|s| in_period(s.1, period)).collect();
    let ids: HashSet<&str> = searches.iter().map(|s| s.0.as_str()).collect();
    let after = |id: &Option<String>| id.as_deref().is_some_and(|id| ids.contains(id));
    let no_results = searches.iter().filter(|s| s.5 == 0).count();
    let with_click = searches.iter().filter(|s| clicked.contains(s.0.as_str())).count();
    let feedback: Vec<_> = data.feedback.iter().filter(|f| in_period(f.0, period) && after(&f.7)).collect();
    let contacts: Vec<_> = data.contacts.iter().filter(|c| in_period(c.0, period)).collect();
    Funnel {
        searches: searches.len(),
        no_results,
        no_result_rate: ratio(no_results, searches.len()),
        searches_with_click: with_click,
        click_through_rate: ratio(with_click, searches.len()),
        helpful: feedback.iter().filter(|f| f.3 != 0).count(),
        not_helpful: feedback.iter().filter(|f| f.3 == 0).count(),
        contacts_after_search: contacts.iter().filter(|c| after(&c.2)).count(),
        contacts: contacts.len(),
    }
}

fn day_of(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at).map(|t| t.date().to_string()).unwrap_or_default()
}

/// Activity per UTC day, oldest first, with empty days filled in.
pub fn trends(data: &Dataset, period: &Period) -> Vec<DayRow> {
    let mut days: BTreeMap<String, DayRow> = BTreeMap::new();
    let mut t = period.from.max(period.to - 400 * 86_400);
    while t < period.to {
        let day = day_of(t);
        days.insert(day.clone(), DayRow { day, searches: 0, zero_results: 0, clicks: 0, contacts: 0 });
        t += 86_400;
    }
    let mut bump = |at: i64, f: &dyn Fn(&mut DayRow)| {
        if let Some(d) = days.get_mut(&day_of(at)) {
            f(d);
        }
    };
    for s in data.searches.iter().filter(|s| in_period(s.1, period)) {
        let zero = s.5 == 0;
        bump(s.1, &|d| {
            d.searches += 1;
            d.zero_results += usize::from(zero);
        });
    }
    for c in data.clicks.iter().filter(|c| in_period(c.0, period)) {
        bump(c.0, &|d| d.clicks += 1);
    }
    for c in data.contacts.iter().filter(|c| in_period(c.0, period)) {
        bump(c.0, &|d| d.contacts += 1);
    }
    days.into_values().collect()
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

impl Table {
    /// Gaps as a table: the group's most common wording first, its grouping key last.
    pub fn gaps(rows: &[GapRow]) -> Self {
        Self {
            headers: vec![
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
                "group",
            ],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.examples.first().cloned().unwrap_or_else(|| r.query.clone()),
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
                        r.query.clone(),
                    ]
                })
                .collect(),
        }
    }

    /// Top queries as a table: the group's most common wording first, its grouping key last.
    pub fn queries(rows: &[QueryRow]) -> Self {
        Self {
            headers: vec!["query", "searches", "visits", "zero-result", "click-through", "group"],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        r.example.clone(),
                        r.searches.to_string(),
                        r.visits.to_string(),
                        pct(r.zero_result_share),
                        pct(r.click_through),
                        r.query.clone(),
                    ]
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

    /// The funnel as a two-column table.
    pub fn funnel(f: &Funnel) -> Self {
        let rows = [
            ("searches", f.searches.to_string()),
            ("no results", format!("{} ({})", f.no_results, pct(f.no_result_rate))),
            ("searches with a click", format!("{} ({})", f.searches_with_click, pct(f.click_through_rate))),
            ("helpful votes after a search", f.helpful.to_string()),
            ("not-helpful votes after a search", f.not_helpful.to_string()),
            ("contacts after a search", f.contacts_after_search.to_string()),
            ("contacts", f.contacts.to_string()),
        ];
        Self { headers: vec!["step", "count"], rows: rows.into_iter().map(|(k, v)| vec![k.to_owned(), v]).collect() }
    }

    /// Daily trends as a table.
    pub fn trends(rows: &[DayRow]) -> Self {
        Self {
            headers: vec!["day", "searches", "zero results", "clicks", "contacts"],
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
