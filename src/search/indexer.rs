//! The only writer of the index: brings it in step with a [`Library`] by content hash, or
//! rebuilds it from scratch. An update is delete-by-id + add, then one commit.

use std::collections::HashMap;
use std::path::PathBuf;

use tantivy::{IndexWriter, TantivyDocument, Term};
use tracing::{info, warn};

use super::SearchError;
use super::schema::{KIND_ARTICLE, KIND_SECTION, SearchIndex};
use crate::article::{Article, Body, Library};

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
    /// The round of updates under way (between [`Indexer::begin`] and [`Indexer::finish`]).
    round: Option<Round>,
}

/// One round of updates: what the index held, what was written, the counts so far.
struct Round {
    known: HashMap<String, u64>,
    staged: HashMap<String, u64>,
    stats: SyncStats,
    fresh: bool,
}

impl Indexer {
    /// Takes the writer lock on the index (fails if another process holds it).
    pub fn new(index: SearchIndex) -> Result<Self, SearchError> {
        let writer = index.index.writer(WRITER_MEMORY)?;
        Ok(Self { index, writer, known: None, round: None })
    }

    /// Writes the article's documents: one for the article, one per section passage.
    fn add(&mut self, a: &Article, body: &Body) -> Result<(), SearchError> {
        let f = self.index.fields;
        let mut keywords = a.keywords.join("\n");
        for tag in &a.tags {
            keywords.push('\n');
            keywords.push_str(tag);
        }
        let headings: Vec<&str> = a.headings.iter().map(|h| h.text.as_str()).collect();
        let id = a.id();
        let key = super::schema::article_key(&id);
        // What both kinds of document carry: the article they belong to and its filters.
        // Fields are added by reference: a document copies what it is given into its own
        // buffer, so a cloned body (all of the corpus, at a cold start) would be copied twice.
        let shared = |kind: u64| {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.article, &id);
            doc.add_u64(f.article_key, key);
            doc.add_u64(f.kind, kind);
            doc.add_text(f.locale, &a.locale);
            doc.add_text(f.category, &a.category);
            doc.add_u64(f.draft, u64::from(a.draft));
            doc
        };
        let mut doc = shared(KIND_ARTICLE);
        doc.add_text(f.slug, &a.slug);
        doc.add_text(f.title, &a.title);
        doc.add_text(f.keywords, &keywords);
        doc.add_text(f.headings, headings.join("\n"));
        doc.add_text(f.body, &body.text);
        doc.add_text(f.description, &a.description);
        doc.add_text(f.updated, a.updated_iso());
        doc.add_u64(f.hash, a.hash);
        doc.add_text(f.source, &body.source);
        if !a.draft {
            for word in &body.words {
                doc.add_text(f.words, word);
            }
        }
        self.writer.add_document(doc)?;
        // The intro is headed by the title, so a title match is a section match too; an
        // article with no intro (a landing page: front matter only) gets one made of its
        // description, so it still has a passage to rank by.
        let intro = (body.sections.first().is_none_or(|s| s.anchor.is_some()))
            .then(|| crate::article::Section { text: a.description.clone(), ..Default::default() });
        for (order, section) in intro.iter().chain(&body.sections).enumerate() {
            let heading = if section.anchor.is_none() { &a.title } else { &section.heading };
            let text = if section.anchor.is_none() && section.text.is_empty() { &a.description } else { &section.text };
            let mut doc = shared(KIND_SECTION);
            doc.add_text(f.section_heading, heading);
            doc.add_text(f.section_text, text);
            doc.add_text(f.section_anchor, section.anchor.as_deref().unwrap_or_default());
            doc.add_text(f.section_path, &section.path);
            doc.add_text(f.section_answer, &section.answer);
            doc.add_u64(f.section_order, order as u64);
            self.writer.add_document(doc)?;
        }
        Ok(())
    }

    /// The (article id → hash) pairs currently in the index, read from fast fields: the
    /// document store (every article's Markdown) is never paged in for it.
    fn indexed_hashes(&self) -> Result<HashMap<String, u64>, SearchError> {
        self.index.reader.reload()?;
        let searcher = self.index.reader.searcher();
        let mut map = HashMap::new();
        for reader in searcher.segment_readers() {
            let fast = reader.fast_fields();
            let (kinds, hashes) = (fast.u64("kind")?, fast.u64("hash")?);
            let Some(ids) = fast.str("article")? else { continue };
            let alive = reader.alive_bitset();
            let mut id = String::new();
            for doc in 0..reader.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) || kinds.first(doc) != Some(KIND_ARTICLE) {
                    continue;
                }
                let Some(ord) = ids.term_ords(doc).next() else { continue };
                id.clear();
                if ids.ord_to_str(ord, &mut id).map_err(tantivy::TantivyError::from)? {
                    map.insert(id.clone(), hashes.first(doc).unwrap_or_default());
                }
            }
        }
        Ok(map)
    }

    /// Starts a round of updates: from scratch (`fresh`: every document is deleted), or
    /// against what the index holds.
    pub fn begin(&mut self, fresh: bool) -> Result<(), SearchError> {
        let known = if fresh {
            self.writer.delete_all_documents()?;
            HashMap::new()
        } else {
            match self.known.take() {
                Some(known) => known,
                None => self.indexed_hashes()?,
            }
        };
        self.round = Some(Round { known, staged: HashMap::new(), stats: SyncStats::default(), fresh });
        Ok(())
    }

    /// Writes `article` if the index does not hold this version of it yet (the first of
    /// two files with the same slug wins, as in the catalog).
    pub fn stage(&mut self, article: &Article, body: &Body) -> Result<(), SearchError> {
        let Some(round) = self.round.as_mut() else { return Ok(()) };
        let id = article.id();
        if round.staged.contains_key(&id) {
            return Ok(());
        }
        round.staged.insert(id.clone(), article.hash);
        match round.known.get(&id) {
            Some(&old) if old == article.hash => return Ok(()),
            Some(_) => {
                self.writer.delete_term(Term::from_field_text(self.index.fields.article, &id));
                round.stats.updated += 1;
            }
            None => round.stats.added += 1,
        }
        self.add(article, body)
    }

    /// Ends the round for `library`: removes articles it no longer has, commits when
    /// anything changed, and says what did.
    pub fn finish(&mut self, library: &Library) -> Result<SyncStats, SearchError> {
        let Some(mut round) = self.round.take() else { return Ok(SyncStats::default()) };
        let f = self.index.fields;
        let mut next = HashMap::with_capacity(library.len());
        for article in library.articles() {
            let id = article.id();
            match (round.staged.get(&id), round.known.get(&id)) {
                (Some(&hash), _) => {
                    if round.known.get(&id) == Some(&hash) {
                        round.stats.unchanged += 1;
                    }
                    next.insert(id, hash);
                }
                (None, Some(&old)) => {
                    // Not parsed this time, so unchanged on disk: the index has it already.
                    round.stats.unchanged += 1;
                    next.insert(id, old);
                }
                (None, None) => warn!(article = %id, "an article was not indexed (no body)"),
            }
        }
        for gone in round.known.keys().filter(|id| !next.contains_key(*id)) {
            self.writer.delete_term(Term::from_field_text(f.article, gone));
            round.stats.removed += 1;
        }
        // Staged but not in the library (the loser of a duplicate slug): not searchable.
        for extra in round.staged.keys().filter(|id| !next.contains_key(*id) && !round.known.contains_key(*id)) {
            self.writer.delete_term(Term::from_field_text(f.article, extra));
        }
        if round.stats.changed() || round.fresh {
            self.commit()?;
        }
        self.known = Some(next);
        let stats = round.stats;
        info!(
            added = stats.added,
            updated = stats.updated,
            removed = stats.removed,
            unchanged = stats.unchanged,
            "index synced"
        );
        Ok(stats)
    }

    /// Updates only what changed since the index was last written; one commit at most.
    /// `bodies` has the body of every article parsed since (changed articles are among them).
    pub fn sync(&mut self, library: &Library, bodies: &HashMap<PathBuf, Body>) -> Result<SyncStats, SearchError> {
        self.begin(false)?;
        for article in library.articles() {
            if let Some(body) = bodies.get(&article.path) {
                self.stage(article, body)?;
            }
        }
        self.finish(library)
    }

    /// Deletes everything and indexes every article of `library` (each must have its body
    /// in `bodies`); `progress` is called after each one.
    pub fn rebuild(
        &mut self,
        library: &Library,
        bodies: &HashMap<PathBuf, Body>,
        mut progress: impl FnMut(&Article),
    ) -> Result<usize, SearchError> {
        self.begin(true)?;
        for article in library.articles() {
            if let Some(body) = bodies.get(&article.path) {
                self.stage(article, body)?;
                progress(article);
            }
        }
        let stats = self.finish(library)?;
        Ok(stats.added)
    }

    fn commit(&mut self) -> Result<(), SearchError> {
        self.writer.commit()?;
        self.index.reader.reload()?;
        Ok(())
    }

    /// Merges the index into one segment when it has several: every query then walks one
    /// set of postings instead of one per segment. Returns whether it merged.
    pub fn compact(&mut self) -> Result<bool, SearchError> {
        let segments = self.index.index.searchable_segment_ids()?;
        if segments.len() < 2 {
            return Ok(false);
        }
        if let Err(e) = self.writer.merge(&segments).wait() {
            warn!(error = %e, "merging index segments failed");
            return Ok(false);
        }
        self.writer.garbage_collect_files().wait().ok();
        self.index.reader.reload()?;
        Ok(true)
    }
}
