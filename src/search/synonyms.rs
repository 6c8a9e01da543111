//! Writer-maintained synonyms (`articles/_synonyms.toml`), applied at query time, per locale:
//!
//! ```toml
//! [en]
//! equivalent = [["refund", "money back"], ["sign in", "log in", "login"]]  # two-way
//! [en.expand]
//! "2fa" = ["two-factor authentication"]                                    # one-way
//! [ko]
//! not_equivalent = [["에러", "era"]]          # a wrong loanword pair (mined or guessed)
//! ```
//!
//! Terms are analysed like queries, so `Refunds`, `refund` and `ｒｅｆｕｎｄ` all match.
//! A Latin-script term matches whole query words; a CJK term also matches inside a longer
//! CJK run (`払い戻しを受けたい` contains `払い戻し`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::query::query_groups;
use crate::article::{ArticleError, Problem};
use crate::text::analyze::RawToken;

/// File name of the synonyms file inside the articles folder.
pub const FILE_NAME: &str = "_synonyms.toml";
/// Largest synonyms file read (bytes).
pub const MAX_FILE_BYTES: u64 = 256 * 1024;
/// Most terms in one equivalence group, or targets of one expansion.
pub const MAX_GROUP_TERMS: usize = 50;
/// Most rules (terms that have alternatives) in the whole file.
pub const MAX_RULES: usize = 10_000;
/// Longest term (characters).
pub const MAX_TERM_CHARS: usize = 100;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LocaleSection {
    #[serde(default)]
    equivalent: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    expand: BTreeMap<String, Spanned<Vec<String>>>,
    /// Pairs that must not be treated as the same word (a wrong mined loanword pair).
    #[serde(default)]
    not_equivalent: Vec<Spanned<Vec<String>>>,
}

/// The analysed terms of one group or expansion, shared by every rule made from it: a
/// group of N terms costs N analyses, not N × (N − 1).
type Shared = Arc<[Vec<Vec<RawToken>>]>;

/// One rule: when the query contains `pattern`, also search for each alternative.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The term's analysed groups (token texts).
    pub pattern: Vec<Vec<String>>,
    /// The term is one CJK run: it also matches inside a longer run.
    pub cjk: bool,
    /// The group or expansion targets this rule draws its alternatives from.
    members: Shared,
    /// This rule's own term in `members` (equivalence groups), skipped.
    own: Option<usize>,
}

impl Rule {
    /// The alternatives: every other member, each a sequence of groups.
    pub fn alternatives(&self) -> impl Iterator<Item = &Vec<Vec<RawToken>>> {
        self.members
            .iter()
            .enumerate()
            .filter(move |(i, m)| Some(*i) != self.own && pattern_of_groups(m) != self.pattern)
            .map(|(_, m)| m)
    }
}

/// All rules, per locale.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: HashMap<String, Vec<Rule>>,
    /// (locale, CJK term, Latin term) pairs from `not_equivalent`, normalised.
    rejected: Vec<(String, String, String)>,
}

fn pattern_of_groups(groups: &[Vec<RawToken>]) -> Vec<Vec<String>> {
    groups.iter().map(|g| g.iter().map(|t| t.text.clone()).collect()).collect()
}

fn position(text: &str, span: std::ops::Range<usize>) -> (usize, usize) {
    crate::article::front_matter::line_col(text, span.start)
}

impl Synonyms {
    /// Parses the TOML text; a group or file over a limit is an error naming its line.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let file: BTreeMap<String, LocaleSection> = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| position(text, s)).unwrap_or((1, 1));
            Problem::at(line, column, e.message().to_owned()).hint("see README, \"Synonyms\", for the format")
        })?;
        let mut rules: HashMap<String, Vec<Rule>> = HashMap::new();
        let mut rejected = Vec::new();
        let mut count = 0usize;
        for (locale, section) in file {
            for group in &section.not_equivalent {
                let terms: Vec<String> =
                    group.get_ref().iter().map(|t| crate::text::analyze::normalize_text(t.trim())).collect();
                for cjk in terms.iter().filter(|t| !t.is_ascii()) {
                    for latin in terms.iter().filter(|t| t.is_ascii()) {
                        rejected.push((locale.clone(), cjk.clone(), latin.clone()));
                    }
                }
            }
            let list = rules.entry(locale).or_default();
            let mut check = |terms: &Spanned<Vec<String>>, extra: usize| -> Result<(), Problem> {
                let (line, column) = position(text, terms.span());
                if terms.get_ref().len() + extra > MAX_GROUP_TERMS {
                    return Err(Problem::at(
                        line,
                        column,
                        format!(
                            "{} terms in one group, over the limit of {MAX_GROUP_TERMS}",
                            terms.get_ref().len() + extra
                        ),
                    )
                    .hint("split it into groups of related terms; a group means every term finds every other"));
                }
                if let Some(long) = terms.get_ref().iter().find(|t| t.chars().count() > MAX_TERM_CHARS) {
                    return Err(Problem::at(
                        line,
                        column,
                        format!(
                            "term `{}…` is longer than {MAX_TERM_CHARS} characters",
                            long.chars().take(20).collect::<String>()
                        ),
                    ));
                }
                count += terms.get_ref().len().max(1);
                if count > MAX_RULES {
                    return Err(Problem::at(line, column, format!("more than {MAX_RULES} synonym rules")).hint(
                        "keep synonyms for the words customers really use; the search handles inflections and typos",
                    ));
                }
                Ok(())
            };
            for group in &section.equivalent {
                check(group, 0)?;
                let members: Shared = group.get_ref().iter().map(|t| query_groups(t)).collect();
                for (i, term) in members.iter().enumerate() {
                    add(list, term, Arc::clone(&members), Some(i));
                }
            }
            for (term, targets) in &section.expand {
                check(targets, 1)?;
                let members: Shared = targets.get_ref().iter().map(|t| query_groups(t)).collect();
                add(list, &query_groups(term), members, None);
            }
            // Longest patterns first, so "money back" wins over "money".
            list.sort_by_key(|r| std::cmp::Reverse(r.pattern.iter().map(Vec::len).sum::<usize>()));
        }
        Ok(Self { rules, rejected })
    }

    /// The pairs writers marked `not_equivalent`: (locale, CJK term, Latin term).
    pub fn rejected(&self) -> impl Iterator<Item = &(String, String, String)> {
        self.rejected.iter()
    }

    /// Loads `articles/_synonyms.toml`; a missing file means no synonyms.
    pub fn load(articles: &Path) -> Result<Self, ArticleError> {
        let path = articles.join(FILE_NAME);
        let error = |problem| ArticleError::error(FILE_NAME, problem);
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Ok(meta) if meta.len() > MAX_FILE_BYTES => {
                return Err(error(
                    Problem::at(1, 1, format!("the file is {} bytes, over the limit of {MAX_FILE_BYTES}", meta.len()))
                        .hint("keep synonyms for the words customers really use"),
                ));
            }
            _ => {}
        }
        let text = std::fs::read_to_string(&path).map_err(|e| error(Problem::at(1, 1, format!("cannot read: {e}"))))?;
        Self::parse(&text).map_err(error)
    }

    /// The rules of a locale.
    pub fn rules(&self, locale: &str) -> &[Rule] {
        self.rules.get(locale).map_or(&[], Vec::as_slice)
    }

    /// Every term named in the file (for the typo vocabulary: a synonym is a known word).
    pub fn terms(&self) -> impl Iterator<Item = String> + '_ {
        self.rules.values().flatten().flat_map(|r| r.alternatives().flatten().flatten().map(|t| t.text.clone()))
    }

    /// Number of rules over all locales.
    pub fn len(&self) -> usize {
        self.rules.values().map(Vec::len).sum()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adds the rule for `term` (when it has a searchable pattern and any alternative).
fn add(list: &mut Vec<Rule>, term: &[Vec<RawToken>], members: Shared, own: Option<usize>) {
    let pattern = pattern_of_groups(term);
    if pattern.is_empty() {
        return;
    }
    let cjk = term.len() == 1 && term[0].first().is_some_and(|t| t.cjk);
    let rule = Rule { pattern, cjk, members, own };
    if rule.alternatives().next().is_some() {
        list.push(rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_way_and_one_way_rules() {
        let s = Synonyms::parse(
            "[en]\nequivalent = [[\"refund\", \"money back\"]]\n[en.expand]\n\"2fa\" = [\"two-factor\"]\n",
        )
        .expect("valid");
        let rules = s.rules("en");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].pattern, vec![vec!["money".to_owned()], vec!["back".to_owned()]], "longest first");
        assert!(s.rules("ja").is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let err = Synonyms::parse("[en]\nequivalent = [[\"a\", ]]\nbad = 1\n").expect_err("unknown key");
        assert_eq!(err.line, 3, "{err:?}");
    }

    #[test]
    fn a_huge_group_is_refused_with_its_line_and_costs_no_memory() {
        let terms: Vec<String> = (0..10_000).map(|i| format!("\"syn{i:05}word\"")).collect();
        let text = format!("[en]\nequivalent = [\n  [\"a\", \"b\"],\n  [{}],\n]\n", terms.join(", "));
        let started = std::time::Instant::now();
        let err = Synonyms::parse(&text).expect_err("over the limit");
        assert_eq!(err.line, 4, "{err:?}");
        assert!(err.message.contains("limit of 50"), "{}", err.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn group_members_are_shared_not_copied() {
        let terms: Vec<String> = (0..MAX_GROUP_TERMS).map(|i| format!("\"term{i}\"")).collect();
        let s = Synonyms::parse(&format!("[en]\nequivalent = [[{}]]\n", terms.join(", "))).expect("valid");
        let rules = s.rules("en");
        assert_eq!(rules.len(), MAX_GROUP_TERMS);
        assert!(rules.iter().all(|r| Arc::ptr_eq(&r.members, &rules[0].members)));
        assert_eq!(rules[0].alternatives().count(), MAX_GROUP_TERMS - 1);
    }
}
