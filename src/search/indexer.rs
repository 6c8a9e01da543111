//! The only writer of the index: brings it in step with a [`Library`] by content hash, or
//! rebuilds it from scratch. An update is delete-by-id + add, then one commit.

use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{IndexWriter, TantivyDocument, Term, doc};
use tracing::info;

use super::SearchError;
use super::schema::SearchIndex;
use crate::article::{Article, Library};

/// Memory budget of the writer (shared by its threads).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// What a sync changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncStats {
    /// New documents.
    pub added: usize,
    /// Documents whose source changed.
    pub updated: usize,
    /// Documents whose source is gone.
    pub removed: usize,
    /// Documents left as they were.
    pub unchanged: usize,
}

impl SyncStats {
    /// True when the sync wrote anything.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.removed > 0
    }
}

/// Owns the single `IndexWriter`.
pub struct Indexer {
    index: SearchIndex,
    writer: IndexWriter<TantivyDocument>,
    /// id → hash of what the last commit wrote; read from the index only once, so a sync
    /// (every save) does not read back every stored document.
    known: Option<HashMap<String, u64>>,
}

impl Indexer {
    /// Takes the writer lock on the index (fails if another process holds it).
    pub fn new(index: SearchIndex) -> Result<Self, SearchError> {
        let writer = index.index.writer(WRITER_MEMORY)?;
        Ok(Self { index, writer, known: None })
    }

    fn document(&self, a: &Article, locales: &[String], hash: u64) -> TantivyDocument {
        let f = self.index.fields;
        let mut keywords = a.keywords.join("\n");
        for tag in &a.tags {
            keywords.push('\n');
            keywords.push_str(tag);
        }
        let headings: Vec<&str> = a.headings.iter().map(|h| h.text.as_str()).collect();
        let mut doc = doc!(
            f.id => a.id(),
            f.locale => a.locale.clone(),
            f.slug => a.slug.clone(),
            f.category => a.category.clone(),
            f.title => a.title.clone(),
            f.keywords => keywords,
            f.headings => headings.join("\n"),
            f.body => a.text.clone(),
            f.description => a.description.clone(),
            f.updated => a.updated_iso(),
            f.hash => hash,
            f.draft => u64::from(a.draft),
        );
        for locale in locales {
            doc.add_text(f.available_in, locale);
        }
        doc
    }

    /// The locales `a` exists in, and the document hash: the source hash combined with those
    /// locales, so adding a translation re-indexes the original too.
    fn identity(library: &Library, a: &Article) -> (Vec<String>, u64) {
        let mut locales: Vec<String> = library.translations(a).into_iter().map(|t| t.locale).collect();
        locales.push(a.locale.clone());
        locales.sort();
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(&a.hash.to_le_bytes());
        for l in &locales {
            hasher.update(l.as_bytes());
            hasher.update(&[0]);
        }
        (locales, hasher.digest())
    }

    /// The (id → hash) pairs currently in the index.
    fn indexed_hashes(&self) -> Result<HashMap<String, u64>, SearchError> {
        let f = self.index.fields;
        self.index.reader.reload()?;
        let searcher = self.index.reader.searcher();
        let addresses = searcher.search(&AllQuery, &DocSetCollector)?;
        let mut map = HashMap::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = doc.get_first(f.id).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let hash = doc.get_first(f.hash).and_then(|v| v.as_u64()).unwrap_or_default();
            map.insert(id, hash);
        }
        Ok(map)
    }

    /// Updates only what changed since the index was last written; one commit at most.
    pub fn sync(&mut self, library: &Library) -> Result<SyncStats, SearchError> {
        let mut existing = match self.known.take() {
            Some(known) => known,
            None => self.indexed_hashes()?,
        };
        let f = self.index.fields;
        let mut stats = SyncStats::default();
        let mut next = HashMap::with_capacity(library.len());
        for article in library.articles() {
            let id = article.id();
            let (locales, hash) = Self::identity(library, article);
            next.insert(id.clone(), hash);
            match existing.remove(&id) {
                Some(old) if old == hash => stats.unchanged += 1,
                Some(_) => {
                    self.writer.delete_term(Term::from_field_text(f.id, &id));
                    self.writer.add_document(self.document(article, &locales, hash))?;
                    stats.updated += 1;
                }
                None => {
                    self.writer.add_document(self.document(article, &locales, hash))?;
                    stats.added += 1;
                }
            }
        }
        for gone in existing.keys() {
            self.writer.delete_term(Term::from_field_text(f.id, gone));
            stats.removed += 1;
        }
        if stats.changed() {
            self.commit()?;
        }
        self.known = Some(next);
        info!(
            added = stats.added,
            updated = stats.updated,
            removed = stats.removed,
            unchanged = stats.unchanged,
            "index synced"
        );
        Ok(stats)
    }

    /// Deletes everything and indexes every article; `progress` is called after each one.
    pub fn rebuild(&mut self, library: &Library, mut progress: impl FnMut(&Article)) -> Result<usize, SearchError> {
        self.known = None;
        self.writer.delete_all_documents()?;
        let mut n = 0;
        let mut next = HashMap::with_capacity(library.len());
        for article in library.articles() {
            let (locales, hash) = Self::identity(library, article);
            next.insert(article.id(), hash);
            self.writer.add_document(self.document(article, &locales, hash))?;
            progress(article);
            n += 1;
        }
        self.commit()?;
        self.known = Some(next);
        Ok(n)
    }

    fn commit(&mut self) -> Result<(), SearchError> {
        self.writer.commit()?;
        self.index.reader.reload()?;
        Ok(())
    }
}
