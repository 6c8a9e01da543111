//! Term statistics for one search: BM25 wants every term's document frequency once per
//! pass (articles, the bonus for complete matches, coverage, passages), and the query
//! builder wants to know which field has a term at all, so that a word gets no clause in
//! the fields that never use it. Each frequency is looked up in the term dictionary once
//! per search; the token totals once per snapshot.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::Term;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;

/// Total tokens per field id of one committed version of the index, for the indexed
/// fields (asking tantivy about a stored-only field logs a warning each time).
pub fn field_tokens(searcher: &tantivy::Searcher) -> Vec<Option<u64>> {
    searcher
        .schema()
        .fields()
        .map(|(field, entry)| entry.is_indexed().then(|| searcher.total_num_tokens(field).ok()).flatten())
        .collect()
}

/// Document frequencies seen so far in one search (not shared between threads).
pub struct TermStats<'a> {
    searcher: &'a tantivy::Searcher,
    tokens: &'a [Option<u64>],
    freqs: RefCell<FxHashMap<Term, u64>>,
}

impl std::fmt::Debug for TermStats<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermStats").field("terms", &self.freqs.borrow().len()).finish()
    }
}

impl<'a> TermStats<'a> {
    /// Statistics of `searcher`, with its token totals from [`field_tokens`].
    pub fn new(searcher: &'a tantivy::Searcher, tokens: &'a [Option<u64>]) -> Self {
        Self { searcher, tokens, freqs: RefCell::default() }
    }

    /// Documents (of any kind, deleted ones included, as BM25 counts them) with `term`.
    pub fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(&n) = self.freqs.borrow().get(term) {
            return Ok(n);
        }
        let n = self.searcher.doc_freq(term)?;
        self.freqs.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }

    /// True when some document has `text` in `field` (or the index cannot say: the
    /// clause stays, and the search reports the error).
    pub fn has(&self, field: Field, text: &str) -> bool {
        self.doc_freq(&Term::from_field_text(field, text)).map_or(true, |n| n > 0)
    }

    /// The provider BM25 uses for documents of one kind (`docs` of them).
    pub fn for_kind(&'a self, docs: u64) -> KindStats<'a> {
        KindStats { stats: self, docs }
    }
}

/// BM25 statistics for one kind of document: the index mixes articles and section
/// passages, and each kind's lengths and frequencies must be measured against its own
/// documents only (otherwise adding passages would change how articles rank).
pub struct KindStats<'a> {
    stats: &'a TermStats<'a>,
    docs: u64,
}

impl Bm25StatisticsProvider for KindStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.stats.tokens.get(field.field_id() as usize) {
            Some(&Some(n)) => Ok(n),
            _ => self.stats.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs.max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.stats.doc_freq(term)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{STORED, Schema, TEXT};
    use tantivy::{Index, doc};

    use super::*;

    #[test]
    fn totals_only_for_indexed_fields_and_frequencies_remembered() {
        let mut schema = Schema::builder();
        let (body, note) = (schema.add_text_field("body", TEXT), schema.add_text_field("note", STORED));
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(doc!(body => "proxy settings proxy", note => "stored only")).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let tokens = field_tokens(&searcher);
        assert_eq!(tokens, vec![Some(3), None], "a stored-only field is never asked about");
        let stats = TermStats::new(&searcher, &tokens);
        assert!(stats.has(body, "proxy") && !stats.has(body, "printer"));
        assert_eq!(stats.freqs.borrow().len(), 2, "each lookup remembered");
        assert!(stats.has(body, "proxy"));
        assert_eq!(stats.freqs.borrow().len(), 2);
        let kind = stats.for_kind(1);
        assert_eq!(kind.total_num_tokens(body).unwrap(), 3);
        assert_eq!(kind.doc_freq(&Term::from_field_text(body, "settings")).unwrap(), 1);
    }
}
