//! Writer-maintained synonyms (`articles/_synonyms.toml`), applied at query time, per locale:
//!
//! ```toml
//! [en]
//! equivalent = [["refund", "money back"], ["sign in", "log in", "login"]]  # two-way
//! [en.expand]
//! "2fa" = ["two-factor authentication"]                                    # one-way
//! ```
//!
//! Terms are analysed like queries, so `Refunds`, `refund` and `ｒｅｆｕｎｄ` all match.
//! A Latin-script term matches whole query words; a CJK term also matches inside a longer
//! CJK run (`払い戻しを受けたい` contains `払い戻し`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::query::query_groups;
use super::tokenize::RawToken;

/// File name of the synonyms file inside the articles folder.
pub const FILE_NAME: &str = "_synonyms.toml";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LocaleSection {
    #[serde(default)]
    equivalent: Vec<Vec<String>>,
    #[serde(default)]
    expand: BTreeMap<String, Vec<String>>,
}

/// One rule: when the query contains `pattern`, also search for each alternative.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The term's analysed groups (token texts).
    pub pattern: Vec<Vec<String>>,
    /// The term is one CJK run: it also matches inside a longer run.
    pub cjk: bool,
    /// Each alternative's analysed groups.
    pub alternatives: Vec<Vec<Vec<RawToken>>>,
}

/// All rules, per locale.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    rules: HashMap<String, Vec<Rule>>,
}

fn pattern_of(term: &str) -> Vec<Vec<String>> {
    query_groups(term).into_iter().map(|g| g.into_iter().map(|t| t.text).collect()).collect()
}

impl Synonyms {
    /// Parses the TOML text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: BTreeMap<String, LocaleSection> = toml::from_str(text).map_err(|e| {
            let (line, column) =
                e.span().map(|s| crate::article::front_matter::line_col(text, s.start)).unwrap_or((1, 1));
            format!("line {line}, column {column}: {}", e.message())
        })?;
        let mut rules: HashMap<String, Vec<Rule>> = HashMap::new();
        for (locale, section) in file {
            let list = rules.entry(locale).or_default();
            let mut add = |from: &str, to: &[&String]| {
                let groups = query_groups(from);
                let cjk = groups.len() == 1 && groups[0].first().is_some_and(|t| t.cjk);
                let pattern = pattern_of(from);
                let alternatives: Vec<_> = to
                    .iter()
                    .map(|t| query_groups(t))
                    .filter(|g| !g.is_empty() && pattern_of_groups(g) != pattern)
                    .collect();
                if !pattern.is_empty() && !alternatives.is_empty() {
                    list.push(Rule { pattern, cjk, alternatives });
                }
            };
            for group in &section.equivalent {
                for term in group {
                    let others: Vec<&String> = group.iter().filter(|t| *t != term).collect();
                    add(term, &others);
                }
            }
            for (term, targets) in &section.expand {
                add(term, &targets.iter().collect::<Vec<_>>());
            }
            // Longest patterns first, so "money back" wins over "money".
            list.sort_by_key(|r| std::cmp::Reverse(r.pattern.iter().map(Vec::len).sum::<usize>()));
        }
        Ok(Self { rules })
    }

    /// Loads `articles/_synonyms.toml`; a missing file means no synonyms.
    pub fn load(articles: &Path) -> Result<Self, String> {
        let path = articles.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The rules of a locale.
    pub fn rules(&self, locale: &str) -> &[Rule] {
        self.rules.get(locale).map_or(&[], Vec::as_slice)
    }

    /// Every term named in the file (for the typo vocabulary: a synonym is a known word).
    pub fn terms(&self) -> impl Iterator<Item = String> + '_ {
        self.rules.values().flatten().flat_map(|r| r.alternatives.iter().flatten().flatten().map(|t| t.text.clone()))
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

fn pattern_of_groups(groups: &[Vec<RawToken>]) -> Vec<Vec<String>> {
    groups.iter().map(|g| g.iter().map(|t| t.text.clone()).collect()).collect()
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
        assert!(err.contains("line"), "{err}");
    }
}
