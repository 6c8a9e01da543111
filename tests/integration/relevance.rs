//! Search quality on the sample help center, measured on the judged query set in
//! `tests/relevance/queries.toml`. Fails when quality drops below the floors, which were
//! set a little under the measured values (see README, "Search quality").

use helpcenter::search::relevance::{evaluate, load_queries};

use crate::support::{Site, copy_dir, repo};

/// (locale, MRR@10 floor, success@3 floor).
const FLOORS: &[(&str, f64, f64)] = &[("en", 0.90, 0.95), ("ja", 0.90, 0.95), ("ko", 0.90, 0.95)];

#[test]
fn relevance_stays_above_the_floors() {
    let site = Site::with(|a| copy_dir(&repo().join("articles"), a));
    let queries = load_queries(&repo().join("tests/relevance/queries.toml")).expect("queries");
    assert!(queries.iter().filter(|q| q.locale == "en").count() >= 60);
    assert!(queries.iter().filter(|q| q.locale == "ja").count() >= 30);
    assert!(queries.iter().filter(|q| q.locale == "ko").count() >= 30);
    let report = evaluate(&site.state.searcher(), &queries).expect("evaluate");
    eprintln!("{report}");
    for miss in report.misses.iter().filter(|m| m.rank.is_none_or(|r| r > 3)) {
        eprintln!(
            "miss {} {:?} rank {:?} got {:?} want {:?}",
            miss.query.locale,
            miss.query.q,
            miss.rank,
            miss.top.iter().take(3).collect::<Vec<_>>(),
            miss.query.relevant
        );
    }
    for (locale, mrr, s3) in FLOORS {
        let m = report.per_locale.get(*locale).copied().unwrap_or_default();
        assert!(m.mrr10 >= *mrr, "{locale}: MRR@10 {:.3} < floor {mrr}", m.mrr10);
        assert!(m.success3 >= *s3, "{locale}: success@3 {:.3} < floor {s3}", m.success3);
    }
}
