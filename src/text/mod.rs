//! Text analysis, the ground floor every other layer builds on: normalization and the
//! analyzer (CJK-aware tokens, stems, surface words), stop words, typo budgets and edit
//! distance, redaction. It imports nothing of this crate, so the article parser, the
//! search engine, the search log and the reports all cut text the same way without
//! depending on each other.

pub mod analyze;
pub mod gloss;
pub mod redact;
pub mod stopwords;
pub mod translit;
pub mod typo;
