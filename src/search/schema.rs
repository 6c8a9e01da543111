//! The one place that defines the index schema and registers the analyzer; every open of
//! the index goes through [`open_or_create`], so the tokenizer is always registered.

use std::path::{Path, PathBuf};

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, ReloadPolicy};
use tracing::{info, warn};

use super::SearchError;
use super::tokenize::{HelpTokenizer, TOKENIZER_NAME};

/// Bump when fields or analysis change: an index with another version is rebuilt.
pub const SCHEMA_VERSION: &str = "helpcenter-schema-5";
const VERSION_FILE: &str = "HELPCENTER_SCHEMA";

/// Handles to every field.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `locale/slug`, the document key.
    pub id: Field,
    /// Locale code.
    pub locale: Field,
    /// Slug.
    pub slug: Field,
    /// Category folder.
    pub category: Field,
    /// Title (boosted).
    pub title: Field,
    /// Writer-supplied keywords and tags.
    pub keywords: Field,
    /// Headings.
    pub headings: Field,
    /// Body text (stored for snippets).
    pub body: Field,
    /// Description (stored, shown when no snippet matches).
    pub description: Field,
    /// `YYYY-MM-DD` or empty.
    pub updated: Field,
    /// Content hash of the source file.
    pub hash: Field,
    /// 1 for drafts (hidden from public searches), 0 otherwise.
    pub draft: Field,
    /// Every locale the article exists in (for the default-locale fallback).
    pub available_in: Field,
}

/// An open index with its reader and field handles.
#[derive(Clone)]
pub struct SearchIndex {
    /// The tantivy index.
    pub index: Index,
    /// The one reader; take a searcher per request.
    pub reader: IndexReader,
    /// Field handles.
    pub fields: Fields,
    /// Where it lives.
    pub dir: PathBuf,
}

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let opts = TextOptions::default().set_indexing_options(indexing);
        if stored { opts.set_stored() } else { opts }
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        locale: b.add_text_field("locale", STRING | STORED),
        slug: b.add_text_field("slug", STRING | STORED),
        category: b.add_text_field("category", STRING | STORED | FAST),
        title: b.add_text_field("title", text(true)),
        keywords: b.add_text_field("keywords", text(false)),
        headings: b.add_text_field("headings", text(false)),
        body: b.add_text_field("body", text(true)),
        description: b.add_text_field("description", STORED),
        updated: b.add_text_field("updated", STORED),
        hash: b.add_u64_field("hash", INDEXED | STORED),
        draft: b.add_u64_field("draft", INDEXED | STORED),
        available_in: b.add_text_field("available_in", STRING),
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
    let version_ok = std::fs::read_to_string(&version_path).is_ok_and(|v| v.trim() == SCHEMA_VERSION);
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
            let index = Index::create_in_dir(dir, schema)?;
            std::fs::write(&version_path, SCHEMA_VERSION).map_err(io)?;
            (index, true)
        }
    };
    register(&index);
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
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
