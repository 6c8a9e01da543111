//! Runs searches over one snapshot of the index: typo correction against the vocabulary,
//! synonyms, category counts, a fallback to the default locale for articles not translated
//! yet, and section-level results.
//!
//! A search runs in two steps. Articles are ranked by their own fields (title, keywords,
//! headings, body); then the section passages of the best candidates are searched, and each
//! candidate's best passage adds to its score (the `section` weight): a long article with one
//! section that answers beats one that mentions every word once in different places. Each
//! hit links to its best section and its snippet is cut from that passage. When the top
//! passage clearly beats everything else, it is offered as a quick answer.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::memo::Memo;
use super::query::{self, FieldWeights, Target, Unit, is_stop_word};
use super::schema::{Fields, KIND_ARTICLE, SearchIndex, article_key};
use super::snippet::{Needles, snippet};
use super::synonyms::Synonyms;
use super::term_stats::TermStats;
use super::vocabulary::Vocabulary;
use super::{SearchError, escape_html};
use crate::article::{Article, Library};
use crate::text::analyze::{analyze, surface_word};

/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Deepest result a request may page to.
pub const MAX_OFFSET: usize = 1000;
/// Articles whose sections are searched (more when a deeper page is asked for).
const CANDIDATES: usize = 30;
/// The top hit's best passage is a quick answer when it scores at least this many times
/// the best passage of every other hit, and its answer (with its heading) contains every
/// required word of the query.
pub const ANSWER_MARGIN: f32 = 1.5;
/// A candidate's score is scaled from this (no required unit matched) to 1 (all of them).
const COVERAGE_FLOOR: f32 = 0.5;
/// How many times more the words a known last word begins must be used than the word
/// itself for it to count as still being typed.
const OPEN_RATIO: u64 = 10;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The text as typed.
    pub query: &'a str,
    /// Visitor's locale: its articles first, then untranslated default-locale ones.
    pub locale: &'a str,
    /// Restrict to one category.
    pub category: Option<&'a str>,
    /// Page size (capped at [`MAX_LIMIT`]).
    pub limit: usize,
    /// Results to skip (capped at [`MAX_OFFSET`]).
    pub offset: usize,
    /// Also return drafts (previews).
    pub include_drafts: bool,
}

impl<'a> SearchRequest<'a> {
    /// First page of 10 for `query` in `locale`.
    pub fn new(query: &'a str, locale: &'a str) -> Self {
        Self { query, locale, category: None, limit: 10, offset: 0, include_drafts: false }
    }
}

/// One search result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// Article slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Portal URL.
    pub url: String,
    /// Category folder.
    pub category: String,
    /// HTML fragment of the best section with matches in `<mark>`, escaped otherwise.
    pub snippet: String,
    /// The section that answers, unless that is the title or the intro.
    pub section: Option<SectionLink>,
    /// Locale of the article (the default locale's for a fallback result).
    pub locale: String,
    /// True for a draft (only in previews).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Relevance score.
    #[serde(skip)]
    pub score: f32,
}

/// A link to a section of an article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SectionLink {
    /// `Parent › Heading`.
    pub title: String,
    /// `/{locale}/articles/{slug}#{anchor}`.
    pub url: String,
}

/// A quick answer: the first paragraph or steps of the section that clearly answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Answer {
    /// The article title and section heading.
    pub title: String,
    /// Where "Read the full article" leads (the section).
    pub url: String,
    /// Safe, short HTML.
    pub html: String,
    /// The article's slug (for click logging).
    #[serde(skip)]
    pub slug: String,
}

/// Matches per category.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CategoryCount {
    /// Category folder.
    pub category: String,
    /// Matching articles in it (before the category filter).
    pub count: usize,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Number of matching articles (with the category filter).
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Matches per category, most first (without the category filter).
    pub categories: Vec<CategoryCount>,
    /// The query actually searched when typos were corrected.
    pub corrected: Option<String>,
    /// The quick answer, on the first page when one section clearly answers.
    pub answer: Option<Answer>,
}

/// Searches one committed version of the index with one version of the synonyms, the typo
/// vocabulary and the catalog: immutable, so a request sees the same data from start to
/// end (a new version comes with the next snapshot).
#[derive(Clone)]
pub struct Searcher {
    searcher: tantivy::Searcher,
    fields: Fields,
    weights: FieldWeights,
    default_locale: String,
    synonyms: Arc<Synonyms>,
    vocabulary: Arc<Vocabulary>,
    /// Every article (drafts included) by `article_key`, for hit titles and URLs without
    /// reading the index's document store.
    articles: Arc<rustc_hash::FxHashMap<u64, Arc<Article>>>,
    /// locale → the default-locale articles translated into it (the fallback leaves them
    /// out), computed once per snapshot.
    translated: Arc<HashMap<String, super::docs::DocFilter>>,
    /// The same, by article key (to recompute the filters for another index version).
    translated_keys: Arc<HashMap<String, Vec<u64>>>,
    /// Documents of each kind (articles, section passages), for BM25 statistics.
    kinds: [u64; 2],
    /// Each article's section passages in this index version.
    sections: Arc<super::docs::SectionDocs>,
    /// Tokens per indexed field id, for BM25 statistics.
    tokens: Arc<Vec<Option<u64>>>,
    /// Published article documents in this commit.
    public_docs: u64,
    /// Loanword pairs and guesses by sound.
    loanwords: Arc<super::loanwords::Loanwords>,
    /// Locales written mostly in Han, kana or Hangul (Latin query words there also look
    /// for their Hangul or katakana form).
    cjk_locales: Arc<std::collections::HashSet<String>>,
    /// Passages read from the document store for this index version: the same sections
    /// answer many different searches, and reading one (a block decompressed, then every
    /// stored field copied out) was a tenth of a search.
    passages: Arc<Memo<DocAddress, Arc<Passage>>>,
}

/// Most passages remembered per snapshot, and the most text (bytes) they may hold.
const PASSAGE_MEMO: usize = 1 << 13;
const PASSAGE_BUDGET: usize = 8 << 20;

fn passage_memo() -> Arc<Memo<DocAddress, Arc<Passage>>> {
    Arc::new(Memo::sized(PASSAGE_MEMO, PASSAGE_BUDGET, |p| {
        p.anchor.len() + p.path.len() + p.text.len() + p.answer.len()
    }))
}

impl Searcher {
    /// A searcher over the index's latest commit with the given field weights (default
    /// locale `en`, no synonyms, no typo vocabulary, no catalog until given).
    pub fn new(index: SearchIndex, weights: FieldWeights) -> Self {
        let searcher = index.reader.searcher();
        let is = |field, value| -> Box<dyn tantivy::query::Query> {
            Box::new(TermQuery::new(Term::from_field_u64(field, value), IndexRecordOption::Basic))
        };
        let count = |query: &dyn tantivy::query::Query| searcher.search(query, &Count).map_or(0, |n| n as u64);
        let (kind, draft) = (index.fields.kind, index.fields.draft);
        let kinds = [count(&*is(kind, KIND_ARTICLE)), count(&*is(kind, super::schema::KIND_SECTION))];
        let public_docs =
            count(&tantivy::query::BooleanQuery::intersection(vec![is(kind, KIND_ARTICLE), is(draft, 0)]));
        // Unreadable postings leave the section pass without candidates' passages (results
        // without sections), not the search down.
        let sections = super::docs::SectionDocs::read(&searcher, kind, super::schema::KIND_SECTION)
            .inspect_err(|e| tracing::warn!(error = %e, "cannot read the section passages"))
            .unwrap_or_default();
        Self {
            kinds,
            sections: Arc::new(sections),
            tokens: Arc::new(super::term_stats::field_tokens(&searcher)),
            public_docs,
            searcher,
            fields: index.fields,
            weights,
            default_locale: "en".into(),
            synonyms: Arc::default(),
            vocabulary: Arc::default(),
            articles: Arc::default(),
            translated: Arc::default(),
            translated_keys: Arc::default(),
            loanwords: Arc::default(),
            cjk_locales: Arc::default(),
            passages: passage_memo(),
        }
    }

    /// Sets the locale whose articles stand in for missing translations.
    pub fn with_default_locale(mut self, locale: &str) -> Self {
        self.default_locale = locale.to_owned();
        self
    }

    /// Uses these synonyms and this typo vocabulary.
    pub fn with_knowledge(mut self, synonyms: Arc<Synonyms>, vocabulary: Arc<Vocabulary>) -> Self {
        self.synonyms = synonyms;
        self.vocabulary = vocabulary;
        self
    }

    /// Describes hits from `library` (which should include drafts), and knows from it which
    /// articles are translated.
    pub fn with_library(mut self, library: &Library) -> Self {
        let articles: rustc_hash::FxHashMap<u64, Arc<Article>> =
            library.articles().map(|a| (article_key(&a.id()), Arc::clone(a))).collect();
        let mut keys: HashMap<String, Vec<u64>> = HashMap::new();
        for a in library.articles().filter(|a| a.locale == self.default_locale) {
            for t in library.translations(a) {
                keys.entry(t.locale).or_default().push(article_key(&a.id()));
            }
        }
        self.articles = Arc::new(articles);
        self.cjk_locales = Arc::new(
            library
                .locales()
                .iter()
                .filter(|locale| {
                    let titles: Vec<&String> =
                        library.articles().filter(|a| &a.locale == *locale).map(|a| &a.title).collect();
                    let cjk = titles.iter().filter(|t| t.chars().any(crate::text::analyze::is_cjk)).count();
                    cjk * 2 > titles.len()
                })
                .cloned()
                .collect(),
        );
        self.loanwords = Arc::new(super::loanwords::Loanwords::build(&self.vocabulary, library, &self.synonyms));
        self.translated_keys = Arc::new(keys);
        self.translated = Arc::new(self.translated_filters());
        self
    }

    /// The same searcher over the index's latest commit (after a merge of its segments).
    pub fn reopened(&self, index: &SearchIndex) -> Self {
        let fresh = Searcher::new(index.clone(), self.weights);
        let mut next = Self {
            searcher: fresh.searcher,
            kinds: fresh.kinds,
            sections: fresh.sections,
            tokens: fresh.tokens,
            public_docs: fresh.public_docs,
            passages: fresh.passages,
            ..self.clone()
        };
        next.translated = Arc::new(next.translated_filters());
        next
    }

    /// The fallback's "translated" filters for this searcher's segments.
    fn translated_filters(&self) -> HashMap<String, super::docs::DocFilter> {
        self.translated_keys
            .iter()
            .filter_map(|(locale, keys)| {
                let any: Vec<(tantivy::query::Occur, Box<dyn tantivy::query::Query>)> = keys
                    .iter()
                    .map(|&k| {
                        let term = Term::from_field_u64(self.fields.article_key, k);
                        let q: Box<dyn tantivy::query::Query> =
                            Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                        (tantivy::query::Occur::Should, q)
                    })
                    .collect();
                let kind =
                    TermQuery::new(Term::from_field_u64(self.fields.kind, KIND_ARTICLE), IndexRecordOption::Basic);
                let query = tantivy::query::BooleanQuery::new(vec![
                    (tantivy::query::Occur::Must, Box::new(kind) as Box<dyn tantivy::query::Query>),
                    (tantivy::query::Occur::Must, Box::new(tantivy::query::BooleanQuery::new(any))),
                ]);
                super::docs::DocFilter::from_query(&self.searcher, &query).ok().map(|filter| (locale.clone(), filter))
            })
            .collect()
    }

    /// The synonyms in use.
    pub fn synonyms(&self) -> &Arc<Synonyms> {
        &self.synonyms
    }

    /// The typo vocabulary in use.
    pub fn vocabulary(&self) -> &Arc<Vocabulary> {
        &self.vocabulary
    }

    /// The tantivy searcher of this snapshot.
    pub fn index(&self) -> &tantivy::Searcher {
        &self.searcher
    }

    /// Number of documents in the index (drafts included).
    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Number of published articles in the index (what `/healthz` may tell anybody),
    /// counted once when the searcher was opened: a liveness probe must not search.
    pub fn num_public_docs(&self) -> u64 {
        self.public_docs
    }

    /// [`words_with_articles`] of this searcher's commit.
    pub fn words_with_articles(&self) -> Vec<(String, Vec<u64>)> {
        words_with_articles(&self.searcher, &self.fields)
    }

    /// The Markdown body the index holds for article `id` (`locale/slug`).
    pub fn source(&self, id: &str) -> Result<Option<String>, SearchError> {
        let query = TermQuery::new(Term::from_field_text(self.fields.article, id), IndexRecordOption::Basic);
        let kind = TermQuery::new(Term::from_field_u64(self.fields.kind, KIND_ARTICLE), IndexRecordOption::Basic);
        let both = tantivy::query::BooleanQuery::intersection(vec![Box::new(query), Box::new(kind)]);
        let Some((_, address)) = self.searcher.search(&both, &TopDocs::with_limit(1).order_by_score())?.pop() else {
            return Ok(None);
        };
        let doc: TantivyDocument = self.searcher.doc(address)?;
        Ok(doc.get_first(self.fields.source).and_then(|v| v.as_str()).map(str::to_owned))
    }

    /// Corrects unknown words of `text` to known ones; `None` when nothing changed.
    pub fn correct(&self, text: &str) -> Option<String> {
        let vocabulary = &self.vocabulary;
        if vocabulary.is_empty() {
            return None;
        }
        let searcher = &self.searcher;
        let fields = self.fields;
        // A word whose stem is indexed is an inflection (`logging` → `log`), not a typo.
        let indexed = |stem: &str| {
            [fields.title, fields.keywords, fields.headings, fields.body]
                .into_iter()
                .any(|f| searcher.doc_freq(&Term::from_field_text(f, stem)).is_ok_and(|n| n > 0))
        };
        let mut fixes: Vec<(usize, usize, String)> = Vec::new();
        for token in analyze(text).into_iter().filter(|t| !t.cjk && !is_stop_word(&t.text) && !indexed(&t.text)) {
            let Some(word) = text.get(token.from..token.to).and_then(surface_word) else { continue };
            if word.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some(fix) = vocabulary.correct(&word) {
                fixes.push((token.from, token.to, fix));
            }
        }
        if fixes.is_empty() {
            return None;
        }
        let mut out = text.to_owned();
        for (from, to, fix) in fixes.into_iter().rev() {
            out.replace_range(from..to, &fix);
        }
        Some(out)
    }

    /// Runs a search, correcting typos. Never fails on user input.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        let text = query::clamp_query(req.query);
        // A last word that begins known words is being typed, not misspelled.
        let open = self.open_last_word(text);
        let corrected = match open {
            Some((from, _)) => self.correct(&text[..from]).map(|fixed| format!("{fixed}{}", &text[from..])),
            None => self.correct(text),
        };
        // A correction keeps the open last word as typed, so it is still the one to complete.
        let mut results = self
            .run(&SearchRequest { query: corrected.as_deref().unwrap_or(text), ..req.clone() }, open.map(|(_, w)| w))?;
        results.corrected = corrected;
        Ok(results)
    }

    /// The byte offset and lowercased text of the query's last word when it is still being
    /// typed: Latin, not followed by a space, and the beginning of known words
    /// (`declarativeNetR`, `webhook sig`): 2 letters or more when it is no word itself, 3
    /// or more when it is one, but one the words it begins are used far more than
    /// ([`OPEN_RATIO`] times: `pan` in `side pan` is a word of 13 articles, `panel` of
    /// 310; a whole word such as `site` is used more than `sites`).
    fn open_last_word(&self, text: &str) -> Option<(usize, String)> {
        if text.ends_with(|c: char| !c.is_alphanumeric()) {
            return None;
        }
        let token = analyze(text).pop().filter(|t| !t.cjk)?;
        let word = text.get(token.from..token.to).and_then(surface_word)?;
        let letters = word.chars().count();
        let used = self.vocabulary.count(&word);
        // Two known letters begin too many words for a dozen completions to cover.
        if letters < 2 || (used > 0 && letters < 3) {
            return None;
        }
        let begun = self.vocabulary.counted_completions(&word, 1).first().map_or(0, |&(_, n)| n);
        (begun > used.saturating_mul(OPEN_RATIO)).then_some((token.from, word))
    }

    /// Adds the known words the last word begins, as alternatives of its unit.
    fn complete_last_word(&self, open: Option<&str>, units: &mut [Unit]) {
        const EXPANSIONS: usize = 12;
        let Some(word) = open else { return };
        let Some(last) = units.last_mut().filter(|u| u.groups.len() == 1 && u.groups[0].len() == 1) else { return };
        for completion in self.vocabulary.completions(word, EXPANSIONS) {
            let groups = query::query_groups(&completion);
            if groups.len() == 1 {
                last.add_alternative(groups);
            }
        }
        last.stop = false;
        last.open = true;
    }

    /// The mined loanword pairs of this snapshot.
    pub fn loanwords(&self) -> &super::loanwords::Loanwords {
        &self.loanwords
    }

    /// Adds loanword alternatives to single-word units: Latin terms for a Hangul or
    /// katakana word and its other spellings, and in CJK locales the Hangul or katakana
    /// form of a Latin word.
    fn add_loanwords(&self, text: &str, locale: &str, units: &mut [Unit]) {
        let cjk_locale = self.cjk_locales.contains(locale);
        for unit in units.iter_mut().filter(|u| !u.stop && u.groups.len() == 1) {
            let group = &unit.groups[0];
            let terms = if group[0].cjk {
                let word = query::group_text(group);
                let mut terms = self.loanwords.latin_for(locale, &word, self.vocabulary.contains(&word));
                let spellings = self.loanwords.spellings(locale, &word, &terms);
                terms.extend(spellings);
                terms
            } else if cjk_locale && let Some(word) = text.get(group[0].from..group[0].to).and_then(surface_word) {
                self.loanwords.cjk_for(locale, &word)
            } else {
                continue;
            };
            for term in terms {
                unit.add_alternative(query::query_groups(&term));
            }
        }
    }

    /// The slugs of up to `n` published articles of `locale` that use `word` as written
    /// (the keyword report's "articles that mention it").
    pub fn mentioning(&self, locale: &str, word: &str, n: usize) -> Vec<String> {
        let request = SearchRequest { limit: n, ..SearchRequest::new(word, locale) };
        self.search_exact(&request).map(|r| r.hits.into_iter().map(|h| h.slug).collect()).unwrap_or_default()
    }

    /// Runs a search for exactly the words given (no typo correction).
    pub fn search_exact(&self, req: &SearchRequest<'_>) -> Result<SearchResults, SearchError> {
        self.run(req, self.open_last_word(req.query).map(|(_, w)| w))
    }

    /// [`Self::search_exact`] with the query's open last word (as typed, lowercased) already
    /// found.
    fn run(&self, req: &SearchRequest<'_>, open: Option<String>) -> Result<SearchResults, SearchError> {
        let fields = self.fields;
        let mut units = query::plan(req.query, self.synonyms.rules(req.locale));
        self.add_loanwords(req.query, req.locale, &mut units);
        self.complete_last_word(open.as_deref(), &mut units);
        let stats = TermStats::new(&self.searcher, &self.tokens);
        let articles = Target::articles(&fields, &self.weights).with_stats(&stats);
        let Some(text_query) = query::text_query(&articles, &units) else {
            return Ok(SearchResults::default());
        };
        let limit = req.limit.clamp(1, MAX_LIMIT);
        let offset = req.offset.min(MAX_OFFSET);
        let wanted = (offset + limit).max(CANDIDATES);

        let own = query::filtered(&fields, text_query.box_clone(), req.locale, req.category, req.include_drafts, None);
        let top_docs = TopDocs::with_limit(wanted).order_by_score();
        let (top, mut total, mut counts) = if req.category.is_none() {
            self.scored(&stats, KIND_ARTICLE, &*own, &(top_docs, Count, CategoryCounts))?
        } else {
            let (top, total) = self.scored(&stats, KIND_ARTICLE, &*own, &(top_docs, Count))?;
            let unfiltered =
                query::filtered(&fields, text_query.box_clone(), req.locale, None, req.include_drafts, None);
            (top, total, self.searcher.search(&*unfiltered, &CategoryCounts)?)
        };
        let mut ranked = self.rerank(&stats, &units, req.locale, req, top)?;

        // Articles not translated into this locale, from the default locale, after its own.
        if req.locale != self.default_locale {
            let mut fallback_units = query::plan(req.query, self.synonyms.rules(&self.default_locale));
            self.add_loanwords(req.query, req.locale, &mut fallback_units);
            self.complete_last_word(open.as_deref(), &mut fallback_units);
            if let Some(fallback_text) = query::text_query(&articles, &fallback_units) {
                let except = self.translated.get(req.locale);
                let fallback = query::filtered(
                    &fields,
                    fallback_text,
                    &self.default_locale,
                    req.category,
                    req.include_drafts,
                    except,
                );
                let room = wanted.saturating_sub(ranked.len());
                let (fallback_total, fallback_counts) = if room > 0 {
                    let page = TopDocs::with_limit(room).order_by_score();
                    let (top, fallback_total, fallback_counts) =
                        self.scored(&stats, KIND_ARTICLE, &*fallback, &(page, Count, CategoryCounts))?;
                    ranked.extend(self.rerank(&stats, &fallback_units, &self.default_locale, req, top)?);
                    (fallback_total, fallback_counts)
                } else {
                    // The own locale's articles fill every candidate place: the fallback only
                    // adds to the counts, and counting needs no scores.
                    self.searcher.search(&*fallback, &(Count, CategoryCounts))?
                };
                for (category, n) in fallback_counts {
                    *counts.entry(category).or_default() += n;
                }
                total += fallback_total;
            }
        }
        // The page's passages, read once: the top one is also the quick answer's.
        let passages =
            ranked.iter().skip(offset).take(limit).map(|r| self.passage(r)).collect::<Result<Vec<_>, _>>()?;
        let answer =
            if offset == 0 { self.answer(&ranked, passages.first().and_then(Option::as_deref), &units) } else { None };
        let needles = Needles::from_units(&units);
        let hits = ranked.into_iter().skip(offset).zip(passages).map(|(r, p)| self.hit(r, p, &needles)).collect();
        let mut categories: Vec<CategoryCount> =
            counts.into_iter().map(|(category, count)| CategoryCount { category, count }).collect();
        categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.category.cmp(&b.category)));
        Ok(SearchResults { total, hits, categories, corrected: None, answer })
    }

    /// Runs `query` over documents of `kind` with BM25 statistics of that kind.
    fn scored<C: Collector>(
        &self,
        stats: &TermStats<'_>,
        kind: u64,
        query: &dyn tantivy::query::Query,
        collector: &C,
    ) -> Result<C::Fruit, SearchError> {
        let stats = stats.for_kind(self.kinds[kind as usize]);
        Ok(self.searcher.search_with_statistics_provider(query, collector, &stats)?)
    }

    /// Adds each candidate's best section passage to its score and re-sorts.
    fn rerank(
        &self,
        stats: &TermStats<'_>,
        units: &[Unit],
        locale: &str,
        req: &SearchRequest<'_>,
        top: Vec<(Score, DocAddress)>,
    ) -> Result<Vec<Ranked>, SearchError> {
        let fields = self.fields;
        let mut ranked: Vec<Ranked> = Vec::with_capacity(top.len());
        let mut columns: HashMap<SegmentOrdinal, Option<tantivy::columnar::Column<u64>>> = HashMap::new();
        for (score, address) in top {
            let column = columns.entry(address.segment_ord).or_insert_with(|| {
                self.searcher.segment_reader(address.segment_ord).fast_fields().u64("article_key").ok()
            });
            let Some(key) = column.as_ref().and_then(|c| c.first(address.doc_id)) else { continue };
            let Some(article) = self.articles.get(&key) else { continue };
            ranked.push(Ranked { article: Arc::clone(article), key, score, section: None, address });
        }
        if ranked.is_empty() {
            return Ok(ranked);
        }
        self.weigh_coverage(stats, units, &mut ranked)?;
        let Some(section_text) = query::text_query(&Target::sections(&fields, &self.weights).with_stats(stats), units)
        else {
            ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.article.slug.cmp(&b.article.slug)));
            return Ok(ranked);
        };
        // The candidates' passages as a bitset: the intersection is driven by these few
        // documents, so only they are scored.
        let keys: Vec<u64> = ranked.iter().map(|r| r.key).collect();
        let within = super::docs::DocFilter::from_docs(&self.searcher, self.sections.of(&keys));
        let sections = query::filtered(&fields, section_text, locale, req.category, req.include_drafts, None);
        let sections = tantivy::query::BooleanQuery::new(vec![
            (tantivy::query::Occur::Must, sections),
            (tantivy::query::Occur::Must, Box::new(tantivy::query::ConstScoreQuery::new(Box::new(within), 0.0))),
        ]);
        let best = self.scored(
            stats,
            super::schema::KIND_SECTION,
            &sections,
            &BestSections { keys: keys.into_iter().collect() },
        )?;
        for r in &mut ranked {
            if let Some(&BestPassage { score, address, .. }) = best.get(&r.key) {
                r.score += self.weights.section * score;
                r.section = Some((score, address));
            }
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.article.slug.cmp(&b.article.slug)));
        Ok(ranked)
    }

    /// Scales each candidate's score by the share of the query's required units it
    /// matches: an article with most of what was asked beats one with a single word in its
    /// title (Meilisearch ranks by matched words first; this is the soft version of that).
    fn weigh_coverage(&self, stats: &TermStats<'_>, units: &[Unit], ranked: &mut [Ranked]) -> Result<(), SearchError> {
        let required: Vec<&Unit> = units.iter().filter(|u| !u.stop).collect();
        if required.len() < 2 {
            return Ok(());
        }
        let target = Target::articles(&self.fields, &self.weights).lean().with_stats(stats);
        let mut matched = vec![0usize; ranked.len()];
        let mut by_segment: HashMap<SegmentOrdinal, Vec<(DocId, usize)>> = HashMap::new();
        for (i, r) in ranked.iter().enumerate() {
            by_segment.entry(r.address.segment_ord).or_default().push((r.address.doc_id, i));
        }
        for unit in &required {
            let weight = query::unit_clause(&target, unit)
                .weight(tantivy::query::EnableScoring::disabled_from_searcher(&self.searcher))?;
            for (&ord, docs) in &mut by_segment {
                docs.sort_unstable();
                let reader = self.searcher.segment_reader(ord);
                let mut scorer = weight.scorer(reader, 1.0)?;
                for &(doc, i) in docs.iter() {
                    if tantivy::DocSet::doc(&scorer) <= doc && tantivy::DocSet::seek(&mut scorer, doc) == doc {
                        matched[i] += 1;
                    }
                }
            }
        }
        let n = required.len() as f32;
        for (r, m) in ranked.iter_mut().zip(matched) {
            r.score *= COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * (m as f32 / n);
        }
        Ok(())
    }

    /// The stored fields of a hit's best passage, if it has one.
    fn passage(&self, ranked: &Ranked) -> Result<Option<Arc<Passage>>, SearchError> {
        let Some((_, address)) = ranked.section else { return Ok(None) };
        let f = self.fields;
        let read = || -> Result<Arc<Passage>, SearchError> {
            let doc: TantivyDocument = self.searcher.doc(address)?;
            let get = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            Ok(Arc::new(Passage {
                anchor: get(f.section_anchor),
                path: get(f.section_path),
                text: get(f.section_text),
                answer: get(f.section_answer),
            }))
        };
        self.passages.get_or_try_compute(&address, read).map(Some)
    }

    fn hit(&self, ranked: Ranked, passage: Option<Arc<Passage>>, needles: &Needles) -> Hit {
        let a = &ranked.article;
        let url = a.url();
        let (snippet_html, section) = match passage.as_deref() {
            Some(Passage { anchor, path, text, .. }) => {
                let link =
                    (!anchor.is_empty()).then(|| SectionLink { title: path.clone(), url: format!("{url}#{anchor}") });
                (snippet(text, needles), link)
            }
            None => (String::new(), None),
        };
        let snippet_html = if snippet_html.is_empty() { escape_html(&a.description) } else { snippet_html };
        Hit {
            slug: a.slug.clone(),
            title: a.title.clone(),
            category: a.category.clone(),
            snippet: snippet_html,
            section,
            locale: a.locale.clone(),
            draft: a.draft,
            score: ranked.score,
            url,
        }
    }

    /// The quick answer: the top hit's best passage, when it scores at least
    /// [`ANSWER_MARGIN`] times every other hit's best passage and its answer says what was
    /// asked (every required word of the query, in the answer or its heading).
    /// `passage` is the top hit's, already read.
    fn answer(&self, ranked: &[Ranked], passage: Option<&Passage>, units: &[Unit]) -> Option<Answer> {
        let top = ranked.first()?;
        let (best, _) = top.section?;
        let runner_up = ranked[1..].iter().filter_map(|r| r.section.map(|(s, _)| s)).fold(0.0f32, f32::max);
        if best < ANSWER_MARGIN * runner_up {
            return None;
        }
        let Passage { anchor, path, answer: html, .. } = passage?;
        // The answer itself (with its heading) must say what was asked.
        if html.is_empty() || !covers(&format!("{path} {}", strip_tags(html)), units) {
            return None;
        }
        let url = if anchor.is_empty() { top.article.url() } else { format!("{}#{anchor}", top.article.url()) };
        let title =
            if path.is_empty() { top.article.title.clone() } else { format!("{} › {path}", top.article.title) };
        Some(Answer { title, url, html: html.clone(), slug: top.article.slug.clone() })
    }
}

/// The stored fields of a section passage.
struct Passage {
    anchor: String,
    path: String,
    text: String,
    answer: String,
}

/// A matched article with its score and best passage (score, address).
struct Ranked {
    article: Arc<Article>,
    key: u64,
    score: Score,
    section: Option<(Score, DocAddress)>,
    /// The article document.
    address: DocAddress,
}

/// The text of a small, trusted HTML fragment (tags dropped, a few entities decoded).
pub(crate) fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

/// True when `text` has every required unit of the query (a unit's alternatives count).
fn covers(text: &str, units: &[Unit]) -> bool {
    let terms: std::collections::HashSet<String> = analyze(text).into_iter().map(|t| t.text).collect();
    let has_group = |g: &Vec<crate::text::analyze::RawToken>| g.iter().all(|t| terms.contains(&t.text));
    units
        .iter()
        .filter(|u| !u.stop)
        .all(|u| u.groups.iter().all(has_group) || u.alternatives.iter().any(|alt| alt.iter().all(has_group)))
}

/// The best-scoring passage per candidate article (by the `article_key` fast field); of
/// passages that score the same, the earlier in the article.
struct BestSections {
    keys: rustc_hash::FxHashSet<u64>,
}

/// A candidate's best passage so far.
#[derive(Debug, Clone, Copy)]
struct BestPassage {
    score: Score,
    /// Its place in the article (`section_order`).
    order: u64,
    address: DocAddress,
}

impl BestPassage {
    fn beats(&self, other: &BestPassage) -> bool {
        self.score > other.score || (self.score == other.score && self.order < other.order)
    }
}

/// Keeps `candidate` for `key` if it beats what `best` holds.
fn keep_better(best: &mut HashMap<u64, BestPassage>, key: u64, candidate: BestPassage) {
    let slot = best.entry(key).or_insert(candidate);
    if candidate.beats(slot) {
        *slot = candidate;
    }
}

struct BestSegment {
    ordinal: SegmentOrdinal,
    keys_column: Option<tantivy::columnar::Column<u64>>,
    order_column: Option<tantivy::columnar::Column<u64>>,
    keys: rustc_hash::FxHashSet<u64>,
    best: HashMap<u64, BestPassage>,
}

impl Collector for BestSections {
    type Fruit = HashMap<u64, BestPassage>;
    type Child = BestSegment;

    fn for_segment(&self, ordinal: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<BestSegment> {
        let fast = segment.fast_fields();
        Ok(BestSegment {
            ordinal,
            keys_column: fast.u64("article_key").ok(),
            order_column: fast.u64("section_order").ok(),
            keys: self.keys.clone(),
            best: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Self::Fruit = HashMap::new();
        for fruit in fruits {
            for (key, candidate) in fruit {
                keep_better(&mut all, key, candidate);
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for BestSegment {
    type Fruit = HashMap<u64, BestPassage>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(key) = self.keys_column.as_ref().and_then(|c| c.first(doc)).filter(|k| self.keys.contains(k)) {
            let order = self.order_column.as_ref().and_then(|c| c.first(doc)).unwrap_or(u64::MAX);
            keep_better(&mut self.best, key, BestPassage { score, order, address: DocAddress::new(self.ordinal, doc) });
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.best
    }
}

/// Counts matching documents per category (a fast-field facet).
struct CategoryCounts;

struct CategorySegment {
    column: Option<StrColumn>,
    /// Matches per category term ordinal (a segment has a few dozen categories at most:
    /// an array index per matching document instead of a hash).
    counts: Vec<usize>,
}

impl Collector for CategoryCounts {
    type Fruit = HashMap<String, usize>;
    type Child = CategorySegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<CategorySegment> {
        let column = segment.fast_fields().str("category")?;
        let counts = vec![0; column.as_ref().map_or(0, |c| c.num_terms())];
        Ok(CategorySegment { column, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<String, usize>>) -> tantivy::Result<HashMap<String, usize>> {
        let mut all = HashMap::new();
        for fruit in fruits {
            for (k, v) in fruit {
                *all.entry(k).or_default() += v;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for CategorySegment {
    type Fruit = HashMap<String, usize>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(n) =
            self.column.as_ref().and_then(|c| c.ords().first(doc)).and_then(|o| self.counts.get_mut(o as usize))
        {
            *n += 1;
        }
    }

    fn harvest(self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        if let Some(column) = &self.column {
            for (ord, n) in self.counts.into_iter().enumerate().filter(|&(_, n)| n > 0) {
                let mut name = String::new();
                if column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    out.insert(name, n);
                }
            }
        }
        out
    }
}

/// A search with the reasons for its ranking (see [`super::explain`]).
#[derive(Debug, Clone)]
pub struct Explained {
    /// The plan of the query searched (after typo correction).
    pub plan: String,
    /// The results.
    pub results: SearchResults,
    /// Per hit: the article-phase and best-section term contributions.
    pub reasons: Vec<(Vec<super::explain::Contribution>, Vec<super::explain::Contribution>)>,
}

impl Searcher {
    /// Runs `req` and explains every hit of the page.
    pub fn explain(&self, req: &SearchRequest<'_>) -> Result<Explained, SearchError> {
        use tantivy::query::{EnableScoring, Occur, Query};
        let results = self.search(req)?;
        let text = results.corrected.clone().unwrap_or_else(|| query::clamp_query(req.query).to_owned());
        let mut reasons = Vec::new();
        let mut plan = String::new();
        for hit in &results.hits {
            let mut units = query::plan(&text, self.synonyms.rules(&hit.locale));
            self.add_loanwords(&text, req.locale, &mut units);
            self.complete_last_word(self.open_last_word(&text).map(|(_, w)| w).as_deref(), &mut units);
            if plan.is_empty() {
                plan = super::explain::describe_plan(&units);
            }
            let key = article_key(&format!("{}/{}", hit.locale, hit.slug));
            let mut phases = Vec::new();
            let stats = TermStats::new(&self.searcher, &self.tokens);
            for (kind, target) in [
                (KIND_ARTICLE, Target::articles(&self.fields, &self.weights)),
                (super::schema::KIND_SECTION, Target::sections(&self.fields, &self.weights)),
            ] {
                let Some(text_query) = query::text_query(&target, &units) else {
                    phases.push(Vec::new());
                    continue;
                };
                let of_article =
                    TermQuery::new(Term::from_field_u64(self.fields.article_key, key), IndexRecordOption::Basic);
                let of_kind = TermQuery::new(Term::from_field_u64(self.fields.kind, kind), IndexRecordOption::Basic);
                let q = tantivy::query::BooleanQuery::new(vec![
                    (Occur::Must, text_query),
                    (
                        Occur::Must,
                        Box::new(tantivy::query::ConstScoreQuery::new(Box::new(of_article), 0.0)) as Box<dyn Query>,
                    ),
                    (Occur::Must, Box::new(tantivy::query::ConstScoreQuery::new(Box::new(of_kind), 0.0))),
                ]);
                let top = self.scored(&stats, kind, &q, &TopDocs::with_limit(1).order_by_score())?;
                let stats = stats.for_kind(self.kinds[kind as usize]);
                let Some(&(_, address)) = top.first() else {
                    phases.push(Vec::new());
                    continue;
                };
                // tantivy's explain trips its own debug assertion on a clause whose first
                // match comes after the document, so debug builds leave the terms out.
                if cfg!(debug_assertions) {
                    phases.push(Vec::new());
                    continue;
                }
                let weight = q.weight(EnableScoring::enabled_from_statistics_provider(&stats, &self.searcher))?;
                let explanation = weight.explain(self.searcher.segment_reader(address.segment_ord), address.doc_id)?;
                phases.push(super::explain::contributions(&explanation, self.searcher.schema()));
            }
            let section = phases.pop().unwrap_or_default();
            let article = phases.pop().unwrap_or_default();
            reasons.push((article, section));
        }
        Ok(Explained { plan, results, reasons })
    }
}

/// Every word of published articles (the index's `words` field: surface words of
/// titles, keywords, headings and bodies), in byte order, each with the sorted
/// `article_key`s of the articles that use it: what typeahead builds from. One string
/// per distinct word, not one per article and word.
pub fn words_with_articles(searcher: &tantivy::Searcher, fields: &super::schema::Fields) -> Vec<(String, Vec<u64>)> {
    use tantivy::DocSet;
    let mut merged: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for reader in searcher.segment_readers() {
        let (Ok(inverted), Ok(keys)) = (reader.inverted_index(fields.words), reader.fast_fields().u64("article_key"))
        else {
            continue;
        };
        let alive = reader.alive_bitset();
        let Ok(mut terms) = inverted.terms().stream() else { continue };
        while terms.advance() {
            let Ok(word) = std::str::from_utf8(terms.key()) else { continue };
            let Ok(mut postings) = inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic) else {
                continue;
            };
            let list = match merged.get_mut(word) {
                Some(list) => list,
                None => merged.entry(word.to_owned()).or_default(),
            };
            while postings.doc() != tantivy::TERMINATED {
                let doc = postings.doc();
                if alive.is_none_or(|a| a.is_alive(doc))
                    && let Some(key) = keys.first(doc)
                {
                    list.push(key);
                }
                postings.advance();
            }
        }
    }
    merged
        .into_iter()
        .filter_map(|(word, mut keys)| {
            keys.sort_unstable();
            keys.dedup();
            (!keys.is_empty()).then_some((word, keys))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Of two passages that score the same, the earlier in the article is the best, in
    /// whichever order the segments (the index writer's threads) hand them over.
    #[test]
    fn a_tie_goes_to_the_earlier_passage_whatever_the_arrival_order() {
        let passage = |score, order, doc| BestPassage { score, order, address: DocAddress::new(0, doc) };
        for arrivals in [[(1.5, 3, 7), (1.5, 1, 9)], [(1.5, 1, 9), (1.5, 3, 7)]] {
            let mut best = HashMap::new();
            for (score, order, doc) in arrivals {
                keep_better(&mut best, 42, passage(score, order, doc));
            }
            assert_eq!(best[&42].order, 1, "{arrivals:?}");
        }
        let mut best = HashMap::new();
        keep_better(&mut best, 42, passage(1.0, 0, 1));
        keep_better(&mut best, 42, passage(2.0, 5, 2));
        assert_eq!(best[&42].order, 5, "a higher score wins whatever its place");
    }

    /// The same through a real index: two passages of one article with the same text, each
    /// committed as its own segment, the later one first or second. Segments reach the
    /// collector in no fixed order, so without the tie-break some rounds pick the later one.
    #[test]
    fn the_section_pass_picks_the_earlier_of_two_tied_passages_across_segments() {
        use tantivy::query::TermQuery;
        use tantivy::schema::IndexRecordOption;
        for round in 0..8 {
            for later_first in [true, false] {
                let dir = tempfile::tempdir().expect("tempdir");
                let (index, _) = super::super::open_or_create(dir.path()).expect("index");
                let f = index.fields;
                let key = super::super::schema::article_key("en/refunds");
                let mut writer: tantivy::IndexWriter =
                    index.index.writer_with_num_threads(1, 15_000_000).expect("writer");
                let orders = if later_first { [3u64, 1] } else { [1, 3] };
                for order in orders {
                    let mut doc = TantivyDocument::default();
                    doc.add_u64(f.article_key, key);
                    doc.add_u64(f.kind, super::super::schema::KIND_SECTION);
                    doc.add_text(f.section_text, "refunds arrive within ten days");
                    doc.add_u64(f.section_order, order);
                    writer.add_document(doc).expect("add");
                    writer.commit().expect("commit");
                }
                index.reader.reload().expect("reload");
                let searcher = index.reader.searcher();
                assert_eq!(searcher.segment_readers().len(), 2, "one segment per passage");
                let query =
                    TermQuery::new(tantivy::Term::from_field_text(f.section_text, "ten"), IndexRecordOption::WithFreqs);
                let best =
                    searcher.search(&query, &BestSections { keys: [key].into_iter().collect() }).expect("search");
                assert_eq!(best[&key].order, 1, "round {round}, later passage committed first: {later_first}");
            }
        }
    }

    /// The indexer numbers each article's passages from its intro (0) on, in the order
    /// the article has them.
    #[test]
    fn the_indexer_numbers_passages_in_article_order() {
        let articles = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("articles");
        let (library, bodies) = crate::article::load_library(&articles, &Default::default()).expect("sample articles");
        let dir = tempfile::tempdir().expect("tempdir");
        let (index, _) = super::super::open_or_create(dir.path()).expect("index");
        super::super::Indexer::new(index.clone()).expect("writer").rebuild(&library, &bodies, |_| {}).expect("rebuild");
        let f = index.fields;
        let searcher = index.reader.searcher();
        // article key → (order, anchor) of each passage
        let mut passages: HashMap<u64, Vec<(u64, String)>> = HashMap::new();
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let fast = reader.fast_fields();
            let (kinds, keys, orders) = (
                fast.u64("kind").expect("kind"),
                fast.u64("article_key").expect("key"),
                fast.u64("section_order").expect("order"),
            );
            for doc in 0..reader.max_doc() {
                if kinds.first(doc) != Some(super::super::schema::KIND_SECTION) {
                    continue;
                }
                let stored: TantivyDocument = searcher.doc(DocAddress::new(ordinal as u32, doc)).expect("stored");
                let anchor = stored.get_first(f.section_anchor).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                passages
                    .entry(keys.first(doc).expect("key"))
                    .or_default()
                    .push((orders.first(doc).expect("order"), anchor));
            }
        }
        assert!(passages.len() >= library.articles().count(), "every article has passages");
        for article in library.articles() {
            let mut got = passages.remove(&super::super::schema::article_key(&article.id())).expect("passages");
            got.sort();
            let body = &bodies[&article.path];
            let mut expected: Vec<String> =
                body.sections.iter().map(|s| s.anchor.clone().unwrap_or_default()).collect();
            if body.sections.first().is_none_or(|s| s.anchor.is_some()) {
                expected.insert(0, String::new());
            }
            let orders: Vec<u64> = got.iter().map(|(o, _)| *o).collect();
            assert_eq!(orders, (0..expected.len() as u64).collect::<Vec<_>>(), "{}", article.id());
            let anchors: Vec<String> = got.into_iter().map(|(_, a)| a).collect();
            assert_eq!(anchors, expected, "{}", article.id());
        }
    }
}
