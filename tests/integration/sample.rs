//! The shipped sample help center (`articles/`) is complete and clean: it is what
//! `cargo run --release -- serve` shows.

use helpcenter::article::{LoadOptions, load_library};

use crate::support::{Site, copy_dir, repo};

#[test]
fn sample_articles_load_without_problems() {
    let (library, _) = load_library(&repo().join("articles"), &LoadOptions::default()).expect("load");
    let problems: Vec<String> = library.problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(library.locales(), ["en", "ja", "ko"]);
    let count = |l: &str| library.articles().filter(|a| a.locale == l).count();
    assert!(count("en") >= 40, "en: {}", count("en"));
    assert!(count("ja") >= 15 && count("ko") >= 15);
    assert!(library.category_summaries("en", 0).len() >= 6);
}

#[tokio::test]
async fn sample_site_answers_real_questions_in_three_languages() {
    let site = Site::with(|articles| copy_dir(&repo().join("articles"), articles));
    let top = |q: &'static str, l: &'static str| {
        let site = &site;
        async move { site.search_slugs(q, l).await.into_iter().next().unwrap_or_default() }
    };
    assert_eq!(top("reset password", "en").await, "reset-password");
    assert_eq!(top("refund", "en").await, "refunds");
    assert_eq!(top("パスワード再設定", "ja").await, "reset-password");
    assert_eq!(top("返金", "ja").await, "refunds");
    assert_eq!(top("비밀번호 재설정", "ko").await, "reset-password");
    assert_eq!(top("환불", "ko").await, "refunds");
}
