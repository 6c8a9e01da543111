//! Checks across articles that parsing one file cannot see: broken links and anchors,
//! missing images, stale translations, empty articles.

use std::path::Path;

use super::error::{ArticleError, Problem};
use super::library::{Article, Library};

/// Articles with less text than this are reported as empty.
const MIN_TEXT_CHARS: usize = 20;

/// All cross-article problems in `library` (which should include drafts).
pub fn lint(library: &Library, root: &Path, default_locale: &str) -> Vec<ArticleError> {
    let mut problems = Vec::new();
    for article in library.articles() {
        links(library, article, default_locale, &mut problems);
        images(article, root, &mut problems);
        stale(library, article, default_locale, &mut problems);
        if article.text_chars < MIN_TEXT_CHARS {
            problems.push(ArticleError::warning(
                &article.path,
                Problem::at(article.body_line, 1, "the article has no text")
                    .hint("write the article, or delete the file"),
            ));
        }
    }
    problems
}

fn at(article: &Article, line: usize, column: usize) -> (usize, usize) {
    (article.body_line + line.saturating_sub(1), column)
}

fn links(library: &Library, article: &Article, default_locale: &str, out: &mut Vec<ArticleError>) {
    for link in &article.links {
        let (line, column) = at(article, link.line, link.column);
        let key = link.target.trim_end_matches(".md");
        let target = library
            .by_translation_key(&article.locale, key)
            .or_else(|| library.by_translation_key(default_locale, key));
        let Some(target) = target else {
            out.push(ArticleError::error(
                &article.path,
                Problem::at(line, column, format!("broken link: no article `{}`", link.target))
                    .hint("link to another article by its path relative to this file, like `../billing/refunds.md`"),
            ));
            continue;
        };
        if let Some(anchor) = &link.anchor
            && !anchor.is_empty()
            && !target.headings.iter().any(|h| &h.id == anchor)
        {
            let known: Vec<&str> = target.headings.iter().map(|h| h.id.as_str()).take(8).collect();
            out.push(ArticleError::error(
                &article.path,
                Problem::at(line, column, format!("broken anchor: `{}` has no heading `#{anchor}`", link.target))
                    .hint(format!("headings there: #{}", known.join(", #"))),
            ));
        }
    }
}

fn images(article: &Article, root: &Path, out: &mut Vec<ArticleError>) {
    for image in &article.images {
        let (line, column) = at(article, image.line, image.column);
        let problem = match super::files::resolve_within(root, Path::new(&image.target)) {
            Ok(real) if real.is_file() => continue,
            Err(refusal @ super::files::Refusal::Escapes { .. }) => {
                Problem::at(line, column, format!("image `{}` is not served: {refusal}", image.target))
                    .hint("copy the image into the articles folder instead of linking to it")
            }
            _ => Problem::at(line, column, format!("missing image `{}`", image.target))
                .hint("image paths are relative to the article's folder"),
        };
        out.push(ArticleError::error(&article.path, problem));
    }
}

fn stale(library: &Library, article: &Article, default_locale: &str, out: &mut Vec<ArticleError>) {
    if article.locale == default_locale {
        return;
    }
    let key = article.translation_key.as_str();
    let Some(source) = library.by_translation_key(default_locale, key) else { return };
    if let (Some(source_date), Some(own)) = (source.updated, article.updated)
        && source_date > own
    {
        out.push(ArticleError::warning(
            &article.path,
            Problem::at(
                1,
                1,
                format!(
                    "stale translation: {} was updated on {source_date}, this translation on {own}",
                    source.path.display()
                ),
            )
            .hint("bring the translation up to date and set its `updated` date"),
        ));
    }
}
