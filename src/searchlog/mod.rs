//! The search log: what customers searched for, clicked, voted and asked support about,
//! recorded without blocking requests, stored in SQLite or PostgreSQL.

pub mod aggregate;
pub mod completions;
pub mod event;
pub mod journal;
pub mod jsonl;
pub mod store;
pub mod tally;
pub mod write;
pub mod write_postgres;
pub mod write_sqlite;
pub mod writer;

pub use event::{ClickEvent, ContactEvent, Event, FeedbackEvent, SearchEvent, Source, ViewEvent, normalize, redact};
pub use store::{Dataset, Store, StoreError};
pub use writer::SearchLog;
