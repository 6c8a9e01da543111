//! A set of documents computed once per snapshot and used as a query filter: "the
//! default-locale articles that have a translation in ja" is the same for every search of
//! a snapshot, so it is a bitset per segment instead of a term-set query per request.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::DocSetCollector;
use tantivy::index::SegmentId;
use tantivy::query::{BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, Score, SegmentReader, TantivyError};
use tantivy_common::BitSet;

/// Documents of one searcher, by segment.
#[derive(Clone, Debug, Default)]
pub struct DocFilter {
    segments: Arc<HashMap<SegmentId, BitSet>>,
}

impl DocFilter {
    /// The documents `query` matches in `searcher`.
    pub fn from_query(searcher: &tantivy::Searcher, query: &dyn Query) -> tantivy::Result<Self> {
        let mut segments: HashMap<SegmentId, BitSet> = HashMap::new();
        for address in searcher.search(query, &DocSetCollector)? {
            let reader = searcher.segment_reader(address.segment_ord);
            segments
                .entry(reader.segment_id())
                .or_insert_with(|| BitSet::with_max_value(reader.max_doc()))
                .insert(address.doc_id);
        }
        Ok(Self { segments: Arc::new(segments) })
    }

    /// The documents whose u64 `field` holds one of `values` (read straight from the
    /// postings: a few short lists, no query).
    pub fn from_u64_terms(
        searcher: &tantivy::Searcher,
        field: tantivy::schema::Field,
        values: &[u64],
    ) -> tantivy::Result<Self> {
        use tantivy::DocSet;
        let mut segments = HashMap::new();
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(field)?;
            let mut set = BitSet::with_max_value(reader.max_doc());
            for &value in values {
                let term = tantivy::Term::from_field_u64(field, value);
                if let Some(mut postings) = inverted.read_postings(&term, tantivy::schema::IndexRecordOption::Basic)? {
                    while postings.doc() != tantivy::TERMINATED {
                        set.insert(postings.doc());
                        postings.advance();
                    }
                }
            }
            segments.insert(reader.segment_id(), set);
        }
        Ok(Self { segments: Arc::new(segments) })
    }

    /// True when it holds no document.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
}

impl Query for DocFilter {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for DocFilter {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // An empty bitset cannot become a doc set (tantivy indexes its first bucket).
        match self.segments.get(&reader.segment_id()) {
            Some(set) if set.len() > 0 => Ok(Box::new(ConstScorer::new(BitSetDocSet::from(set.clone()), boost))),
            _ => Ok(Box::new(EmptyScorer)),
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matched = self.segments.get(&reader.segment_id()).is_some_and(|s| s.contains(doc));
        if matched {
            Ok(Explanation::new("in the precomputed set", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} is not in the set")))
        }
    }
}
