//! Why an article ranks where it does: the query plan and, per hit, which indexed terms
//! of which fields scored how much, in the article phase and in its best section. This is
//! what `helpcenter search --explain` prints for writers tuning synonyms and keywords.

use serde_json::Value;

use super::query::Unit;

/// One term's share of a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contribution {
    /// The field name (`title`, `body`, `section_text`, …).
    pub field: String,
    /// The indexed term (a stem, or a CJK bigram).
    pub term: String,
    /// Score it adds, boosts applied.
    pub score: f32,
}

/// The planned query in a short text form: `[required] (optional) {alternatives}`.
pub fn describe_plan(units: &[Unit]) -> String {
    let group =
        |g: &Vec<crate::text::analyze::RawToken>| g.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join("·");
    units
        .iter()
        .map(|u| {
            let typed = u.groups.iter().map(group).collect::<Vec<_>>().join(" ");
            let mut alts: Vec<String> =
                u.alternatives.iter().map(|a| a.iter().map(group).collect::<Vec<_>>().join(" ")).collect();
            // A spaced form counts only as a phrase: quoted.
            alts.extend(u.spaced.iter().map(|s| format!("\"{}\"", s.iter().map(group).collect::<Vec<_>>().join(" "))));
            // A form guessed from an ending: marked `?`.
            alts.extend(u.guessed.iter().map(|g| format!("?{}", g.iter().map(group).collect::<Vec<_>>().join(" "))));
            let alts = if alts.is_empty() { String::new() } else { format!(" {{{}}}", alts.join(" | ")) };
            if u.stop { format!("({typed}{alts})") } else { format!("[{typed}{alts}]") }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The term contributions of a tantivy explanation, largest first (terms repeated in
/// several clauses are summed).
pub fn contributions(explanation: &tantivy::query::Explanation, schema: &tantivy::schema::Schema) -> Vec<Contribution> {
    let Ok(tree) = serde_json::to_value(explanation) else { return Vec::new() };
    let mut out: Vec<Contribution> = Vec::new();
    walk(&tree, 1.0, schema, &mut out);
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

fn walk(node: &Value, boost: f32, schema: &tantivy::schema::Schema, out: &mut Vec<Contribution>) {
    let description = node.get("description").and_then(Value::as_str).unwrap_or_default();
    let value = node.get("value").and_then(Value::as_f64).unwrap_or(0.0) as f32;
    let term = node
        .get("context")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().filter_map(Value::as_str).find_map(parse_term));
    if let Some((field, text)) = term {
        let field = schema.get_field_name(tantivy::schema::Field::from_field_id(field)).to_owned();
        match out.iter_mut().find(|c| c.field == field && c.term == text) {
            Some(c) => c.score += value * boost,
            None => out.push(Contribution { field, term: text, score: value * boost }),
        }
        return;
    }
    let boost = match description.strip_prefix("Boost x").and_then(|r| r.split_whitespace().next()) {
        Some(b) => boost * b.parse::<f32>().unwrap_or(1.0),
        None => boost,
    };
    if let Some(details) = node.get("details").and_then(Value::as_array) {
        for child in details {
            walk(child, boost, schema, out);
        }
    }
}

/// Parses tantivy's `Term=Term(field=3, type=Str, "text")` context line.
fn parse_term(context: &str) -> Option<(u32, String)> {
    let rest = context.strip_prefix("Term=Term(field=")?;
    let (field, rest) = rest.split_once(',')?;
    let text = rest.split_once('"')?.1.rsplit_once('"')?.0;
    Some((field.trim().parse().ok()?, text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_contexts_parse() {
        assert_eq!(parse_term(r#"Term=Term(field=3, type=Str, "passw")"#), Some((3, "passw".to_owned())));
        assert_eq!(parse_term("Term=Term(field=x"), None);
    }
}
