//! Query completions for typeahead: popular searches that found answers. The search log
//! decides which queries qualify ([`crate::searchlog`]); typeahead only offers them.

use std::collections::HashMap;

/// Per locale, popular queries with their search counts, most searched first.
pub type Completions = HashMap<String, Vec<(String, u64)>>;
