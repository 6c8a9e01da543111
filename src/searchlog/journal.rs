//! The outage journal: when the database cannot take a batch, the writer appends it to a
//! local append-only file (JSON Lines, [`super::jsonl`], fsynced per batch) instead of
//! holding it in memory, and replays the file in order once the database answers again,
//! also after a restart. How far a journal was replayed is stored in the database in the
//! same transaction as the replayed events (`journal_marks`), so a crash mid-replay
//! neither loses nor repeats an event. The file is bounded by a disk quota; only past it
//! are events dropped, and counted.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::event::{Event, now, random_id};
use super::jsonl;

/// Errors of the journal file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The file could not be read or written.
    #[error("search log journal {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The journal file of one writer.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    quota: u64,
    /// Id written on the first line (the key of its replay mark), once the file exists.
    id: Option<String>,
    size: u64,
}

/// A chunk read back for replay.
#[derive(Debug)]
pub struct Chunk {
    /// The events, in the order written.
    pub events: Vec<Event>,
    /// Byte offset just past them (the replay mark once they are stored).
    pub end: u64,
    /// Lines that no longer parse (a torn last line after a crash); skipped.
    pub skipped: usize,
}

impl Journal {
    /// The journal at `path` (created on the first spill), at most `quota` bytes. An
    /// existing file (from before a restart) is picked up for replay.
    pub fn open(path: &Path, quota: u64) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io { path: path.to_path_buf(), source };
        let mut journal = Self { path: path.to_path_buf(), quota, id: None, size: 0 };
        if let Ok(file) = File::open(path) {
            let mut first = String::new();
            BufReader::new(&file).read_line(&mut first).map_err(io)?;
            let id = serde_json::from_str::<serde_json::Value>(&first)
                .ok()
                .and_then(|v| v["journal"].as_str().map(str::to_owned));
            match id {
                Some(id) => {
                    journal.id = Some(id);
                    journal.size = file.metadata().map_err(io)?.len();
                }
                // Not one of ours, or torn before its header: nothing to replay.
                None => std::fs::remove_file(path).map_err(io)?,
            }
        }
        Ok(journal)
    }

    /// True when events wait in the file.
    pub fn has_backlog(&self) -> bool {
        self.id.is_some()
    }

    /// The id of the current file.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Bytes in the file.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `events` and syncs; returns how many did not fit in the quota (dropped).
    pub fn append(&mut self, events: &[Event]) -> Result<usize, JournalError> {
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut text = String::new();
        if self.id.is_none() {
            let id = random_id();
            text.push_str(&serde_json::json!({ "journal": id, "created": now() }).to_string());
            text.push('\n');
            self.id = Some(id);
        }
        let mut dropped = 0;
        for event in events {
            let line = jsonl::line(event);
            if self.size + (text.len() + line.len() + 1) as u64 > self.quota {
                dropped += 1;
                continue;
            }
            text.push_str(&line);
            text.push('\n');
        }
        let mut file = OpenOptions::new().create(true).append(true).open(&self.path).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        self.size += text.len() as u64;
        Ok(dropped)
    }

    /// Up to `max` events from byte `from` (0: the start, after the header line).
    pub fn read(&self, from: u64, max: usize) -> Result<Chunk, JournalError> {
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        let mut file = File::open(&self.path).map_err(io)?;
        let mut reader = BufReader::new(&mut file);
        let mut offset = from;
        let mut line = String::new();
        if from == 0 {
            offset += reader.read_line(&mut line).map_err(io)? as u64;
        } else {
            reader.seek(SeekFrom::Start(from)).map_err(io)?;
        }
        let mut chunk = Chunk { events: Vec::new(), end: offset, skipped: 0 };
        let far_future = now() + 10 * 365 * 86_400;
        while chunk.events.len() < max {
            line.clear();
            let n = reader.read_line(&mut line).map_err(io)?;
            if n == 0 {
                break;
            }
            if !line.ends_with('\n') {
                // A torn last line (crash mid-write): skip it, leave the mark before it.
                chunk.skipped += 1;
                break;
            }
            offset += n as u64;
            match jsonl::parse(line.trim_end(), far_future) {
                Ok(event) => chunk.events.push(event),
                Err(_) => chunk.skipped += 1,
            }
            chunk.end = offset;
        }
        Ok(chunk)
    }

    /// True when `offset` is the end of the file (everything replayed).
    pub fn is_end(&self, offset: u64) -> bool {
        offset >= self.size
    }

    /// Removes the fully replayed file.
    pub fn finish(&mut self) -> Result<(), JournalError> {
        self.id = None;
        self.size = 0;
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(JournalError::Io { path: self.path.clone(), source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::searchlog::{SearchEvent, Source};

    #[test]
    fn appends_reads_back_in_order_and_respects_the_quota() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j");
        let mut journal = Journal::open(&path, 1_000).expect("open");
        assert!(!journal.has_backlog());
        let events: Vec<Event> = (0..20)
            .map(|i| Event::Search(SearchEvent::new(&format!("query {i}"), "en", 1, false, Source::Page, random_id())))
            .collect();
        let dropped = journal.append(&events).expect("append");
        assert!(dropped > 0 && dropped < 20, "the quota bounds the file: {dropped}");
        assert!(journal.size() <= 1_000);
        let reopened = Journal::open(&path, 1_000).expect("reopen");
        assert_eq!(reopened.id(), journal.id(), "picked up after a restart");
        let first = reopened.read(0, 3).expect("read");
        assert_eq!(first.events, events[..3].to_vec());
        let rest = reopened.read(first.end, 100).expect("read");
        assert_eq!(rest.events, events[3..20 - dropped].to_vec());
        assert!(reopened.is_end(rest.end));
    }
}
