//! Article pages' HTML, made when first viewed and kept in a bounded cache: the snapshot
//! keeps no rendered body in memory, the index keeps the Markdown, and the sanitizer runs
//! once per article version that someone reads.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::article::{Article, render};
use crate::search::Searcher;

/// Bytes of rendered HTML kept at most.
const BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// Rendered pages by (article id, content hash): a new version is a new key.
#[derive(Default)]
pub struct RenderedPages {
    inner: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    html: HashMap<(String, u64), Arc<str>>,
    order: VecDeque<(String, u64)>,
    bytes: usize,
}

impl RenderedPages {
    /// The sanitized HTML of `article`'s body as `searcher`'s index holds it.
    pub fn get(&self, searcher: &Searcher, article: &Article) -> Result<Arc<str>, String> {
        let key = (article.id(), article.hash);
        if let Some(html) = self.inner.lock().ok().and_then(|p| p.html.get(&key).cloned()) {
            return Ok(html);
        }
        let source = searcher
            .source(&key.0)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} is not in the index", key.0))?;
        let at = render::Location { locale: &article.locale, category: &article.category };
        let html: Arc<str> = render::to_html(&source, at).map_err(|p| p.message)?.into();
        if let Ok(mut pages) = self.inner.lock() {
            pages.bytes += html.len();
            pages.html.insert(key.clone(), Arc::clone(&html));
            pages.order.push_back(key);
            while pages.bytes > BUDGET_BYTES {
                let Some(oldest) = pages.order.pop_front() else { break };
                if let Some(old) = pages.html.remove(&oldest) {
                    pages.bytes -= old.len();
                }
            }
        }
        Ok(html)
    }
}
