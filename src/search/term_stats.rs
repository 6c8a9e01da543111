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

/// Total tokens per field id, of one committed version of the index.
pub fn field_tokens(searcher: &tantivy::Searcher) -> Vec<u64> {
    let fields = searcher.schema().num_fields();
    (0..fields as u32).map(|id| searcher.total_num_tokens(Field::from_field_id(id)).unwrap_or(0)).collect()
}

/// Document frequencies seen so far in one search (not shared between threads).
pub struct TermStats<'a> {
    searcher: &'a tantivy::Searcher,
    tokens: &'a [u64],
    freqs: RefCell<FxHashMap<Term, u64>>,
}

impl std::fmt::Debug for TermStats<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermStats").field("terms", &self.freqs.borrow().len()).finish()
    }
}

impl<'a> TermStats<'a> {
    /// Statistics of `searcher`, with its token totals from [`field_tokens`].
    pub fn new(searcher: &'a tantivy::Searcher, tokens: &'a [u64]) -> Self {
        Self { searcher, tokens, freqs: RefCell::default() }
    }

    /// Documents (of any kind, deleted ones included, as BM25 counts them) with `term`.
    pub fn doc_freq(&self, term: &Term) -> u64 {
        if let Some(&n) = self.freqs.borrow().get(term) {
            return n;
        }
        let n = self.searcher.doc_freq(term).unwrap_or(0);
        self.freqs.borrow_mut().insert(term.clone(), n);
        n
    }

    /// True when some document has `text` in `field`.
    pub fn has(&self, field: Field, text: &str) -> bool {
        self.doc_freq(&Term::from_field_text(field, text)) > 0
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
            Some(&n) => Ok(n),
            None => self.stats.searcher.total_num_tokens(field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs.max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(self.stats.doc_freq(term))
    }
}
