//! A disjunction of a few clauses, scored as the best of them plus `tie` times the rest
//! (tantivy's `DisjunctionMaxQuery` scoring; `tie = 1` is a plain sum, as a `BooleanQuery`
//! of `Should` clauses scores).
//!
//! Why not tantivy's own: it builds every union on a 4,096-document window whose score
//! buffer (16–48 KB) is allocated, zeroed and copied per scorer and per segment. A search
//! has dozens of unions of 2–4 clauses (a word in four fields, a word or its synonyms, the
//! proximity phrases), each built again for the coverage and passage passes over a few
//! candidates: building those windows cost more than scoring with them. This one keeps the
//! clauses' current documents and steps the lowest: a few comparisons per document,
//! nothing to allocate.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// Matches documents any clause matches.
#[derive(Debug)]
pub struct AnyOf {
    clauses: Vec<Box<dyn Query>>,
    tie: Score,
}

impl AnyOf {
    /// The best clause's score plus `tie` times the others' (`1.0`: their sum).
    pub fn new(clauses: Vec<Box<dyn Query>>, tie: Score) -> Self {
        Self { clauses, tie }
    }
}

impl Clone for AnyOf {
    fn clone(&self) -> Self {
        Self { clauses: self.clauses.iter().map(|c| c.box_clone()).collect(), tie: self.tie }
    }
}

impl Query for AnyOf {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self.clauses.iter().map(|c| c.weight(scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AnyOfWeight { weights, tie: self.tie }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct AnyOfWeight {
    weights: Vec<Box<dyn Weight>>,
    tie: Score,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            // One clause scores as itself (max + tie × nothing).
            1 => scorers.pop().expect("one scorer"),
            _ => Box::new(AnyOfScorer::new(scorers, self.tie)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matched: Vec<Explanation> = self.weights.iter().filter_map(|w| w.explain(reader, doc).ok()).collect();
        if matched.is_empty() {
            return Err(tantivy::TantivyError::InvalidArgument(format!("Document #({doc}) does not match")));
        }
        let score = combine(matched.iter().map(Explanation::value), self.tie);
        let mut explanation = Explanation::new_with_string(format!("AnyOf (tie {})", self.tie), score);
        for e in matched {
            explanation.add_detail(e);
        }
        Ok(explanation)
    }
}

/// Best plus `tie` times the rest.
fn combine(scores: impl Iterator<Item = Score>, tie: Score) -> Score {
    let (max, sum) = scores.fold((0.0f32, 0.0f32), |(max, sum), s| (max.max(s), sum + s));
    max + tie * (sum - max)
}

struct AnyOfScorer {
    /// Clauses not yet exhausted, and the document each is on (kept here: asking a boxed
    /// scorer is a virtual call, and the minimum is taken at every step).
    scorers: Vec<Box<dyn Scorer>>,
    docs: Vec<DocId>,
    doc: DocId,
    tie: Score,
}

impl AnyOfScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>, tie: Score) -> Self {
        let docs = scorers.iter().map(|s| s.doc()).collect();
        let mut scorer = Self { scorers, docs, doc: TERMINATED, tie };
        scorer.settle();
        scorer
    }

    /// Drops exhausted clauses and moves to the lowest current document.
    fn settle(&mut self) -> DocId {
        let mut i = 0;
        while i < self.docs.len() {
            if self.docs[i] == TERMINATED {
                self.docs.swap_remove(i);
                self.scorers.swap_remove(i);
            } else {
                i += 1;
            }
        }
        self.doc = self.docs.iter().copied().min().unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        if doc == TERMINATED {
            return TERMINATED;
        }
        for (s, d) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *d == doc {
                *d = s.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for (s, d) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *d < target {
                *d = s.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let (mut max, mut sum) = (0.0f32, 0.0f32);
        for (s, d) in self.scorers.iter_mut().zip(&self.docs) {
            if *d == doc {
                let score = s.score();
                max = max.max(score);
                sum += score;
            }
        }
        max + self.tie * (sum - max)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, STORED, Schema, TEXT};
    use tantivy::{Index, doc};

    use super::*;

    /// Same documents and scores as tantivy's disjunctions, through advance and seek.
    #[test]
    fn scores_as_tantivys_disjunctions() {
        let mut schema = Schema::builder();
        let (title, body) = (schema.add_text_field("title", TEXT | STORED), schema.add_text_field("body", TEXT));
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            ("proxy settings", "how to set a proxy"),
            ("printer", "printer proxy"),
            ("other", "nothing here"),
            ("proxy", "proxy proxy settings"),
            ("settings", "settings only"),
        ];
        for _ in 0..300 {
            for (t, b) in texts {
                writer.add_document(doc!(title => t, body => b)).unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |f, w: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, w), IndexRecordOption::WithFreqs))
        };
        let fields =
            |w: &str| -> Vec<Box<dyn Query>> { vec![Box::new(BoostQuery::new(term(title, w), 3.0)), term(body, w)] };
        let top = |q: &dyn Query| searcher.search(q, &TopDocs::with_limit(2000).order_by_score()).unwrap();
        let close = |a: Vec<(Score, tantivy::DocAddress)>, b: Vec<(Score, tantivy::DocAddress)>| {
            assert_eq!(a.len(), b.len());
            let sorted = |mut v: Vec<(Score, tantivy::DocAddress)>| {
                v.sort_by_key(|(_, d)| *d);
                v
            };
            for ((sa, da), (sb, db)) in sorted(a).into_iter().zip(sorted(b)) {
                assert_eq!(da, db);
                assert!((sa - sb).abs() < 1e-4, "{sa} vs {sb}");
            }
        };
        for w in ["proxy", "settings", "printer", "absent"] {
            let ours = AnyOf::new(fields(w), 0.3);
            let theirs = DisjunctionMaxQuery::with_tie_breaker(fields(w), 0.3);
            close(top(&ours), top(&theirs));
        }
        let words = || -> Vec<Box<dyn Query>> {
            vec![Box::new(AnyOf::new(fields("proxy"), 0.3)), Box::new(AnyOf::new(fields("settings"), 0.3))]
        };
        let sum = AnyOf::new(words(), 1.0);
        let should = BooleanQuery::new(words().into_iter().map(|q| (Occur::Should, q)).collect());
        close(top(&sum), top(&should));
        // Driven by seeks: intersected with a rarer clause.
        let and = |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, term(title, "printer"))]);
        close(top(&and(Box::new(AnyOf::new(words(), 1.0)))), top(&and(Box::new(should.clone()))));
        let explained = AnyOf::new(fields("proxy"), 0.3).explain(&searcher, tantivy::DocAddress::new(0, 3)).unwrap();
        assert!(explained.value() > 0.0);
    }
}
