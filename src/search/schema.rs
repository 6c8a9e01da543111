//! The one place that defines the index schema and registers the analyzer; every open of
//! the index goes through [`open_or_create`], so the tokenizer is always registered.

use std::path::{Path, PathBuf};

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, ReloadPolicy};
use tracing::{info, warn};

use super::SearchError;
use super::analyzer::{HelpTokenizer, TOKENIZER_NAME};

/// Decompressed store blocks kept per segment (4 KB each): the passages of recent results.
const STORE_CACHE_BLOCKS: usize = 2048;

/// Bump when fields change: an index with another version is rebuilt.
pub const SCHEMA_VERSION: &str = "helpcenter-schema-10";

/// The version written next to the index: the fields' version and the analyzer's
/// fingerprint (its rules, pinned crates and output), so either changing rebuilds it.
pub fn schema_version() -> String {
    format!("{SCHEMA_VERSION}+analyzer-{}", crate::text::analyze::fingerprint())
}
const VERSION_FILE: &str = "HELPCENTER_SCHEMA";

/// Handles to every field. The index holds two kinds of documents: one per article
/// (title, keywords, headings, body: what ranks articles) and one per section passage
/// (its heading and text: what picks the part of the article that answers). Each kind
/// has its own text fields, so a query on one kind never matches the other.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `locale/slug` of the article, on both kinds: the key to replace or delete.
    pub article: Field,
    /// A 64-bit key of `article` (fast field): hits and passages are matched to their
    /// article by number, never by a dictionary lookup.
    pub article_key: Field,
    /// 0 for an article document, 1 for a section passage.
    pub kind: Field,
    /// Locale code.
    pub locale: Field,
    /// Slug.
    pub slug: Field,
    /// Category folder.
    pub category: Field,
    /// 1 for drafts (hidden from public searches), 0 otherwise.
    pub draft: Field,
    /// Title (boosted).
    pub title: Field,
    /// Writer-supplied keywords and tags.
    pub keywords: Field,
    /// Headings.
    pub headings: Field,
    /// Body text (indexed, not stored: passages store theirs).
    pub body: Field,
    /// Description (shown when no section has a snippet).
    pub description: Field,
    /// `YYYY-MM-DD` or empty.
    pub updated: Field,
    /// Content hash of the source file (fast field: a sync reads what the index holds
    /// without opening the document store).
    pub hash: Field,
    /// The Markdown body, stored only: pages render from it when viewed.
    pub source: Field,
    /// Surface words of published articles, one term each: the typo vocabulary is read
    /// from this field's dictionary instead of being kept in memory per article.
    pub words: Field,
    /// A section's heading.
    pub section_heading: Field,
    /// A section passage's text (stored for snippets).
    pub section_text: Field,
    /// The heading's anchor id (empty for the intro).
    pub section_anchor: Field,
    /// `Parent › Heading`, for display.
    pub section_path: Field,
    /// The section's quick-answer HTML.
    pub section_answer: Field,
    /// The passage's place in its article (0: the intro; fast field): of two passages that
    /// score the same, the earlier one is the best, whatever order the index writer's
    /// threads stored them in.
    pub section_order: Field,
}

/// The `article_key` of article `id` (`locale/slug`).
pub fn article_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// `kind` of an article document.
pub const KIND_ARTICLE: u64 = 0;
/// `kind` of a section passage.
pub const KIND_SECTION: u64 = 1;

/// An open index with its reader and field handles.
#[derive(Clone)]
pub struct SearchIndex {
    /// The tantivy index.
    pub index: Index,
    /// The one reader; take a searcher per snapshot.
    pub reader: IndexReader,
    /// Field handles.
    pub fields: Fields,
    /// Where it lives.
    pub dir: PathBuf,
}

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Positions only where phrase clauses read them (title and body: proximity); the
    // other text fields rank by frequency alone, and skipping positions there makes
    // indexing cheaper and the index smaller.
    let text = |stored: bool, positions: bool| {
        let indexing = TextFieldIndexing::default().set_tokenizer(TOKENIZER_NAME).set_index_option(if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        });
        let opts = TextOptions::default().set_indexing_options(indexing);
        if stored { opts.set_stored() } else { opts }
    };
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        article: b.add_text_field("article", STRING | STORED | FAST),
        article_key: b.add_u64_field("article_key", INDEXED | FAST),
        kind: b.add_u64_field("kind", INDEXED | FAST),
        locale: b.add_text_field("locale", STRING | STORED),
        slug: b.add_text_field("slug", STRING | STORED),
        category: b.add_text_field("category", STRING | STORED | FAST),
        draft: b.add_u64_field("draft", INDEXED | STORED),
        title: b.add_text_field("title", text(true, true)),
        keywords: b.add_text_field("keywords", text(false, false)),
        headings: b.add_text_field("headings", text(false, false)),
        body: b.add_text_field("body", text(false, true)),
        description: b.add_text_field("description", STORED),
        updated: b.add_text_field("updated", STORED),
        hash: b.add_u64_field("hash", INDEXED | STORED | FAST),
        source: b.add_text_field("source", STORED),
        words: b.add_text_field("words", words),
        section_heading: b.add_text_field("section_heading", text(false, false)),
        section_text: b.add_text_field("section_text", text(true, false)),
        section_anchor: b.add_text_field("section_anchor", STORED),
        section_path: b.add_text_field("section_path", STORED),
        section_answer: b.add_text_field("section_answer", STORED),
        section_order: b.add_u64_field("section_order", FAST),
    };
    (b.build(), fields)
}

fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER_NAME, HelpTokenizer);
}

/// Opens the index in `dir`, creating it (or recreating it, when it is from another schema
/// version or unreadable) as needed. Returns the index and whether it was created fresh.
pub fn open_or_create(dir: &Path) -> Result<(SearchIndex, bool), SearchError> {
    let io = |source| SearchError::Io { path: dir.to_path_buf(), source };
    let (schema, fields) = build_schema();
    let version_path = dir.join(VERSION_FILE);
    let version = schema_version();
    let version_ok = std::fs::read_to_string(&version_path).is_ok_and(|v| v.trim() == version);
    let existing = if version_ok {
        match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => Some(index),
            Ok(_) => {
                warn!(dir = %dir.display(), "index schema differs; rebuilding");
                None
            }
            Err(e) => {
                warn!(dir = %dir.display(), error = %e, "index unreadable; rebuilding");
                None
            }
        }
    } else {
        None
    };
    let (index, fresh) = match existing {
        Some(index) => (index, false),
        None => {
            if dir.exists() {
                clear_index_dir(dir).map_err(io)?;
            }
            std::fs::create_dir_all(dir).map_err(io)?;
            info!(dir = %dir.display(), "creating search index");
            // Small store blocks: a snippet reads one passage, and decompressing 4 KB instead
            // of 16 KB per cache miss keeps that cheap.
            let settings = tantivy::IndexSettings { docstore_blocksize: 4096, ..Default::default() };
            let index = Index::builder().schema(schema).settings(settings).create_in_dir(dir)?;
            std::fs::write(&version_path, &version).map_err(io)?;
            (index, true)
        }
    };
    register(&index);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .doc_store_cache_num_blocks(STORE_CACHE_BLOCKS)
        .try_into()?;
    Ok((SearchIndex { index, reader, fields, dir: dir.to_path_buf() }, fresh))
}

/// Removes the index files in `dir`, but only files that look like tantivy's (so a mistaken
/// `--index .` cannot wipe a project).
fn clear_index_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name == "meta.json"
            || name == ".managed.json"
            || name == VERSION_FILE
            || name.starts_with(".tantivy")
            || Path::new(&*name).extension().is_some_and(|ext| {
                matches!(ext.to_str(), Some("idx" | "pos" | "term" | "store" | "fast" | "fieldnorm" | "del"))
            });
        if ours && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
