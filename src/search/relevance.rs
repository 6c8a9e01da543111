//! Measuring search quality on a judged query set: MRR@10 and success@1/3/10, per locale
//! and per query kind. Used by the relevance test (floors) and `cargo bench --bench relevance`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{SearchError, SearchRequest, Searcher};

/// One judged query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedQuery {
    /// Locale searched.
    pub locale: String,
    /// The query text.
    pub q: String,
    /// Slugs that answer it, best first.
    pub relevant: Vec<String>,
    /// natural, typo, synonym, variant, stopword or keyword.
    #[serde(default)]
    pub kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFile {
    query: Vec<JudgedQuery>,
}

/// Reads a judged query file (`[[query]]` tables).
pub fn load_queries(path: &Path) -> Result<Vec<JudgedQuery>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: QueryFile = toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
    Ok(file.query)
}

/// Quality numbers over a set of queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Queries counted.
    pub queries: usize,
    /// Mean reciprocal rank of the first relevant result in the top 10.
    pub mrr10: f64,
    /// Share of queries with a relevant result first.
    pub success1: f64,
    /// … in the top 3.
    pub success3: f64,
    /// … in the top 10.
    pub success10: f64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    n: usize,
    rr: f64,
    s1: usize,
    s3: usize,
    s10: usize,
}

impl Sums {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if let Some(r) = rank {
            self.rr += 1.0 / r as f64;
            self.s1 += usize::from(r <= 1);
            self.s3 += usize::from(r <= 3);
            self.s10 += usize::from(r <= 10);
        }
    }

    fn metrics(&self) -> Metrics {
        let n = self.n.max(1) as f64;
        Metrics {
            queries: self.n,
            mrr10: self.rr / n,
            success1: self.s1 as f64 / n,
            success3: self.s3 as f64 / n,
            success10: self.s10 as f64 / n,
        }
    }
}

/// A query whose answer was not first, for tuning.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The query.
    pub query: JudgedQuery,
    /// Rank of the first relevant result (None: not in the top 10).
    pub rank: Option<usize>,
    /// What came back instead.
    pub top: Vec<String>,
}

/// The evaluation result.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// All queries.
    pub overall: Metrics,
    /// Per locale.
    pub per_locale: BTreeMap<String, Metrics>,
    /// Per query kind.
    pub per_kind: BTreeMap<String, Metrics>,
    /// Queries whose answer was not first.
    pub misses: Vec<Miss>,
}

/// Runs every query (top 10) and scores the results.
pub fn evaluate(searcher: &Searcher, queries: &[JudgedQuery]) -> Result<Report, SearchError> {
    let mut overall = Sums::default();
    let mut per_locale: BTreeMap<String, Sums> = BTreeMap::new();
    let mut per_kind: BTreeMap<String, Sums> = BTreeMap::new();
    let mut misses = Vec::new();
    for q in queries {
        let req = SearchRequest {
            query: &q.q,
            locale: &q.locale,
            category: None,
            limit: 10,
            offset: 0,
            include_drafts: false,
        };
        let results = searcher.search(&req)?;
        let top: Vec<String> = results.hits.into_iter().map(|h| h.slug).collect();
        let rank = top.iter().position(|slug| q.relevant.contains(slug)).map(|i| i + 1);
        overall.add(rank);
        per_locale.entry(q.locale.clone()).or_default().add(rank);
        per_kind.entry(format!("{}/{}", q.locale, q.kind)).or_default().add(rank);
        if rank != Some(1) {
            misses.push(Miss { query: q.clone(), rank, top });
        }
    }
    Ok(Report {
        overall: overall.metrics(),
        per_locale: per_locale.into_iter().map(|(k, v)| (k, v.metrics())).collect(),
        per_kind: per_kind.into_iter().map(|(k, v)| (k, v.metrics())).collect(),
        misses,
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let row = |f: &mut std::fmt::Formatter<'_>, name: &str, m: &Metrics| {
            writeln!(
                f,
                "{name:<16} {:>4}  MRR@10 {:.3}  S@1 {:.3}  S@3 {:.3}  S@10 {:.3}",
                m.queries, m.mrr10, m.success1, m.success3, m.success10
            )
        };
        row(f, "all", &self.overall)?;
        for (locale, m) in &self.per_locale {
            row(f, locale, m)?;
        }
        for (kind, m) in &self.per_kind {
            row(f, &format!("  {kind}"), m)?;
        }
        Ok(())
    }
}
