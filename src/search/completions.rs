//! Query completions for typeahead: popular searches that found answers. Which queries
//! qualify is decided downstream, from the search log, and handed to the snapshot;
//! typeahead only offers them.

use std::collections::HashMap;

/// Per locale, popular queries with their search counts, most searched first.
pub type Completions = HashMap<String, Vec<(String, u64)>>;
