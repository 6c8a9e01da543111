//! Builds tantivy queries from what a visitor typed, without ever parsing query syntax:
//! `"`, `:`, `(`, `AND`, `*` are just characters, so no input can make a query fail.
//!
//! Each word of the query becomes a clause over title, keywords, headings and body with
//! per-field weights. A CJK run (`パスワードを変更`) becomes its bigrams as should-clauses
//! with a minimum-should-match, so a particle or a spacing variant does not sink the match,
//! plus a phrase clause that rewards the exact sequence. Documents that contain every word
//! get an extra boost, so "all words present" beats "some words present".

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::schema::Fields;
use super::tokenize::{RawToken, analyze};

/// Longest query text considered (characters); the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most words (token groups) used from one query.
const MAX_GROUPS: usize = 16;
/// Most bigrams used from one CJK run.
const MAX_BIGRAMS: usize = 24;

/// Relative importance of the searchable fields.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldWeights {
    /// Title.
    pub title: f32,
    /// Keywords and tags.
    pub keywords: f32,
    /// Headings.
    pub headings: f32,
    /// Body text.
    pub body: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        Self { title: 4.0, keywords: 3.0, headings: 2.0, body: 1.0 }
    }
}

/// Cuts `text` to [`MAX_QUERY_CHARS`] at a character boundary.
pub fn clamp_query(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Groups analysed tokens into words: one Latin token, or all bigrams of one CJK run.
pub fn query_groups(text: &str) -> Vec<Vec<RawToken>> {
    let mut groups: Vec<Vec<RawToken>> = Vec::new();
    for token in analyze(clamp_query(text)) {
        match groups.last_mut() {
            Some(g) if g[0].group == token.group => {
                if g.len() < MAX_BIGRAMS {
                    g.push(token);
                }
            }
            _ => {
                if groups.len() == MAX_GROUPS {
                    break;
                }
                groups.push(vec![token]);
            }
        }
    }
    // The same word twice adds nothing but cost.
    groups.dedup_by(|a, b| a.iter().map(|t| &t.text).eq(b.iter().map(|t| &t.text)));
    groups
}

fn term_clause(fields: &Fields, weights: &FieldWeights, text: &str) -> Box<dyn Query> {
    let per_field = [
        (fields.title, weights.title),
        (fields.keywords, weights.keywords),
        (fields.headings, weights.headings),
        (fields.body, weights.body),
    ];
    let disjuncts: Vec<Box<dyn Query>> = per_field
        .into_iter()
        .filter(|(_, w)| *w > 0.0)
        .map(|(field, weight)| {
            let tq = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs);
            Box::new(BoostQuery::new(Box::new(tq), weight)) as Box<dyn Query>
        })
        .collect();
    Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, 0.3))
}

fn phrase(field: Field, group: &[RawToken]) -> PhraseQuery {
    PhraseQuery::new(group.iter().map(|t| Term::from_field_text(field, &t.text)).collect())
}

/// The clause for one word: a term, or a CJK run's bigrams with minimum-should-match.
fn group_clause(fields: &Fields, weights: &FieldWeights, group: &[RawToken]) -> Box<dyn Query> {
    if group.len() == 1 {
        return term_clause(fields, weights, &group[0].text);
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        group.iter().map(|t| (Occur::Should, term_clause(fields, weights, &t.text))).collect();
    // Enough bigrams to mean the same word, few enough that a particle or a spacing variant
    // (`パスワードの再設定方法`, `환경변수`) still matches: all of 2, n-1 of 3–4, half of longer runs.
    let n = group.len();
    let required = match n {
        0..=2 => n,
        3..=4 => n - 1,
        _ => n.div_ceil(2),
    };
    let bigrams = BooleanQuery::with_minimum_required_clauses(std::mem::take(&mut clauses), required);
    let boost = [(fields.title, weights.title), (fields.body, weights.body)]
        .into_iter()
        .map(|(field, w)| {
            (Occur::Should, Box::new(BoostQuery::new(Box::new(phrase(field, group)), w)) as Box<dyn Query>)
        })
        .collect::<Vec<_>>();
    let mut all = vec![(Occur::Must, Box::new(bigrams) as Box<dyn Query>)];
    all.extend(boost);
    Box::new(BooleanQuery::new(all))
}

/// The full query for `text` in `locale` (optionally one category), or `None` when the text
/// has nothing searchable (only punctuation or emoji).
pub fn build(
    fields: &Fields,
    weights: &FieldWeights,
    text: &str,
    locale: &str,
    category: Option<&str>,
    include_drafts: bool,
) -> Option<Box<dyn Query>> {
    let groups = query_groups(text);
    if groups.is_empty() {
        return None;
    }
    let words: Vec<Box<dyn Query>> = groups.iter().map(|g| group_clause(fields, weights, g)).collect();
    let mut matching: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if words.len() > 1 {
        // Every word present: counted once more, so complete matches rank first.
        let all = BooleanQuery::new(words.iter().map(|w| (Occur::Must, w.box_clone())).collect());
        matching.push((Occur::Should, Box::new(all)));
    }
    matching.extend(words.into_iter().map(|w| (Occur::Should, w)));
    let text_query = BooleanQuery::with_minimum_required_clauses(matching, 1);

    let filter = |field: Field, value: &str| -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic)),
            0.0,
        ))
    };
    let mut clauses =
        vec![(Occur::Must, Box::new(text_query) as Box<dyn Query>), (Occur::Must, filter(fields.locale, locale))];
    if let Some(category) = category {
        clauses.push((Occur::Must, filter(fields.category, category)));
    }
    if !include_drafts {
        let draft = TermQuery::new(Term::from_field_u64(fields.draft, 1), IndexRecordOption::Basic);
        clauses.push((Occur::MustNot, Box::new(draft)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_cjk_runs_together() {
        let groups = query_groups("reset パスワード");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].len(), 1);
        assert_eq!(groups[1].len(), 4);
    }

    #[test]
    fn hostile_text_is_bounded() {
        let junk = "a ".repeat(10_000);
        assert!(query_groups(&junk).len() <= MAX_GROUPS);
        assert!(query_groups("\"():*😀").is_empty());
        assert_eq!(clamp_query(&"é".repeat(1000)).chars().count(), MAX_QUERY_CHARS);
    }
}
