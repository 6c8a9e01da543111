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

    /// The given documents (`(segment ordinal, doc)`, any order) of `searcher`.
    pub fn from_docs(searcher: &tantivy::Searcher, docs: impl IntoIterator<Item = (u32, DocId)>) -> Self {
        let mut segments: HashMap<SegmentId, BitSet> = HashMap::new();
        for (ordinal, doc) in docs {
            let reader = searcher.segment_reader(ordinal);
            segments.entry(reader.segment_id()).or_insert_with(|| BitSet::with_max_value(reader.max_doc())).insert(doc);
        }
        Self { segments: Arc::new(segments) }
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

/// Each article's section passages (by `article_key`), read once per index version: the
/// section pass of a search scores only its candidates' passages, and finding them here
/// costs a map lookup per candidate instead of a term lookup and a postings list per
/// candidate per segment.
#[derive(Debug, Default)]
pub struct SectionDocs {
    by_key: rustc_hash::FxHashMap<u64, Vec<(u32, DocId)>>,
}

impl SectionDocs {
    /// The section documents of `searcher` (`kind` = `section`), by their `article_key`.
    pub fn read(searcher: &tantivy::Searcher, kind: tantivy::schema::Field, section: u64) -> tantivy::Result<Self> {
        use tantivy::DocSet;
        let mut by_key: rustc_hash::FxHashMap<u64, Vec<(u32, DocId)>> = Default::default();
        let term = tantivy::Term::from_field_u64(kind, section);
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let Some(keys) = reader.fast_fields().u64("article_key").ok() else { continue };
            let inverted = reader.inverted_index(kind)?;
            let Some(mut postings) = inverted.read_postings(&term, tantivy::schema::IndexRecordOption::Basic)? else {
                continue;
            };
            while postings.doc() != tantivy::TERMINATED {
                let doc = postings.doc();
                if !reader.is_deleted(doc)
                    && let Some(key) = keys.first(doc)
                {
                    by_key.entry(key).or_default().push((ordinal as u32, doc));
                }
                postings.advance();
            }
        }
        Ok(Self { by_key })
    }

    /// The section documents of the articles with these keys.
    pub fn of<'a>(&'a self, keys: &'a [u64]) -> impl Iterator<Item = (u32, DocId)> + 'a {
        keys.iter().filter_map(|k| self.by_key.get(k)).flatten().copied()
    }
}
