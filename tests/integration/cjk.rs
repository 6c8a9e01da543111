//! Korean and Japanese as people type them, on a real index: particles and endings, spaced
//! and unspaced compounds, loanwords across scripts (a gloss, aligned headings of a
//! translation, a guess by sound, a writer's correction), and kana variants.

use std::path::Path;

use helpcenter::search::SearchRequest;

use crate::support::{Site, copy_dir, repo};

fn write(articles: &Path, rel: &str, text: &str) {
    let path = articles.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn article(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}\n")
}

fn articles(a: &Path) {
    copy_dir(&repo().join("tests/fixtures/articles"), a);
    let ko = [
        ("close-window", "작업 화면 닫기", "작업이 끝나면 창을 닫으세요. 저장하지 않은 변경 사항은 사라집니다."),
        ("tap-targets", "누르기 쉬운 버튼", "모바일에서 탭 대상이 너무 작으면 누르기 어렵습니다."),
        ("web-fonts", "글꼴 불러오기", "웹폰트를 불러오는 동안 글자가 보이지 않을 수 있습니다."),
        ("webtransport", "WebTransport 사용하기", "WebTransport 는 서버와 양방향으로 데이터를 주고받는 API입니다."),
        ("polyfill-intro", "폴리필 소개", "폴리필(polyfill)은 오래된 브라우저에 없는 기능을 채워 줍니다."),
        ("polyfill-setup", "설치 가이드", "npm 으로 polyfill 패키지를 설치하고 가져오세요."),
        ("font-license", "폰트 라이선스", "폰트 라이선스를 확인하세요. 상업용 폰트는 따로 구매합니다."),
        ("display-settings", "표시 설정", "화면 밝기와 글자 크기를 설정합니다. 설정은 바로 적용됩니다."),
        ("install-app", "웹 앱 설치", "홈 화면에 웹 앱을 추가하면 파일을 바로 열 수 있습니다."),
        ("cookie-ads", "쿠키와 광고", "광고 측정에 쿠키가 필요 없는 방법을 소개합니다."),
        ("change-language", "메뉴 설정", "메뉴에서 언어를 바꾸려면 설정을 여세요."),
        ("language-list", "지원 목록", "지원하는 언어와 언어별 글꼴, 언어 코드 목록입니다."),
        ("slow-screen", "앱 속도 문제", "화면이 느려지면 캐시를 지우세요."),
        ("screen-brightness", "화면 밝기", "화면 밝기를 조절합니다."),
        ("login-help", "로그인 도움말", "내 계정에 로그인이 안 될 때 확인하세요."),
        ("guide", "사용 안내", "처음 쓰는 분을 위한 안내입니다."),
    ];
    for (slug, title, body) in ko {
        write(a, &format!("ko/help/{slug}.md"), &article(title, body));
    }
    write(
        a,
        "en/help/redirects.md",
        &article(
            "Avoid multiple page redirects",
            "Redirects slow down page loads.\n\n## How to eliminate redirects\n\nLink to the final URL.",
        ),
    );
    write(
        a,
        "ko/help/redirects.md",
        &article(
            "여러 페이지 리디렉션 방지",
            "리디렉션이 여러 번 일어나면 페이지가 느리게 열립니다.\n\n## 리디렉션을 제거하는 방법\n\n최종 URL에 연결하세요.",
        ),
    );
    let ja = [
        ("reset-password", "パスワードの再設定", "パスワードを忘れた場合は、ログイン画面から再設定できます。"),
        ("server-status", "サーバーの状態", "サーバーが応答しない場合の確認方法です。"),
        ("sw-debug", "デバッグの手順", "Service Worker の登録を確認するには DevTools を開きます。"),
    ];
    for (slug, title, body) in ja {
        write(a, &format!("ja/help/{slug}.md"), &article(title, body));
    }
    write(
        a,
        "en/help/service-worker.md",
        &article("Service workers", "How pages work offline.\n\n## Registering a service worker\n\nCall register."),
    );
    write(
        a,
        "ja/help/service-worker.md",
        &article(
            "サービスワーカー入門",
            "オフラインで動く仕組み。\n\n## サービスワーカーの登録\n\nregister を呼びます。",
        ),
    );
}

async fn top(site: &Site, q: &str, locale: &str) -> Vec<String> {
    site.search_slugs(q, locale).await
}

/// The first hit's slug.
async fn first(site: &Site, q: &str, locale: &str) -> Option<String> {
    top(site, q, locale).await.into_iter().next()
}

#[tokio::test]
async fn korean_particles_and_endings_do_not_hide_a_word() {
    let site = Site::with(articles);
    // `창` only occurs as `창을`: bigrams alone could never find it.
    assert_eq!(first(&site, "창", "ko").await.as_deref(), Some("close-window"));
    assert_eq!(first(&site, "창을 닫고 싶어요", "ko").await.as_deref(), Some("close-window"));
}

#[tokio::test]
async fn spaced_and_unspaced_korean_compounds_meet() {
    let site = Site::with(articles);
    assert_eq!(first(&site, "탭대상", "ko").await.as_deref(), Some("tap-targets"), "doc: `탭 대상`");
    assert_eq!(first(&site, "웹 폰트", "ko").await.as_deref(), Some("web-fonts"), "doc: `웹폰트`");
}

#[tokio::test]
async fn a_gloss_pairs_a_loanword_with_its_latin_original() {
    let site = Site::with(articles);
    let pairs = site.state.searcher().loanwords().pairs().to_vec();
    assert!(pairs.iter().any(|p| p.locale == "ko" && p.cjk == "폴리필" && p.latin == "polyfill"), "{pairs:?}");
    // `polyfill-setup` says only `polyfill`; the gloss in another article links the two.
    let hits = top(&site, "폴리필", "ko").await;
    assert!(hits.contains(&"polyfill-setup".to_owned()), "{hits:?}");
    assert_eq!(hits[0], "polyfill-intro", "the article using the word as typed still comes first: {hits:?}");
}

#[tokio::test]
async fn writers_drop_a_wrong_pair() {
    let site = Site::with(|a| {
        articles(a);
        std::fs::write(a.join("_synonyms.toml"), "[ko]\nnot_equivalent = [[\"폴리필\", \"polyfill\"]]\n")
            .expect("write");
    });
    assert!(site.state.searcher().loanwords().pairs().iter().all(|p| p.cjk != "폴리필"));
    assert_eq!(top(&site, "폴리필", "ko").await, vec!["polyfill-intro"]);
}

#[tokio::test]
async fn aligned_headings_of_a_translation_give_a_pair() {
    let site = Site::with(articles);
    let pairs = site.state.searcher().loanwords().pairs().to_vec();
    assert!(
        pairs.iter().any(|p| p.locale == "ja" && p.cjk == "サービスワーカ" && p.latin == "service worker"),
        "{pairs:?}"
    );
    // `sw-debug` writes it in Latin only.
    let hits = top(&site, "サービスワーカー", "ja").await;
    assert!(hits.contains(&"sw-debug".to_owned()), "{hits:?}");
}

#[tokio::test]
async fn an_unknown_loanword_is_guessed_by_sound() {
    let site = Site::with(articles);
    assert_eq!(first(&site, "웹트랜스포트", "ko").await.as_deref(), Some("webtransport"));
    // Native words are never guessed at: no Latin alternative is planned, nothing unrelated
    // matches.
    let searcher = site.state.searcher();
    let explained = searcher.explain(&SearchRequest::new("설정 다름", "ko")).expect("search");
    assert!(!explained.plan.chars().any(|c| c.is_ascii_alphabetic()), "{}", explained.plan);
    assert_eq!(explained.results.hits.first().map(|h| h.slug.as_str()), Some("display-settings"));
}

#[tokio::test]
async fn another_spelling_of_a_loanword_meets_through_its_original() {
    let site = Site::with(articles);
    let pairs = site.state.searcher().loanwords().pairs().to_vec();
    // The translation borrows another form of the original: `리디렉션` for `redirects`.
    assert!(pairs.iter().any(|p| p.locale == "ko" && p.cjk == "리디렉션" && p.latin == "redirects"), "{pairs:?}");
    // `리다이렉트` is in no article: it sounds like `redirect`, whose stem the pair shares.
    assert_eq!(first(&site, "리다이렉트", "ko").await.as_deref(), Some("redirects"));
    assert_eq!(first(&site, "리다이렉트 여러 번 느려짐", "ko").await.as_deref(), Some("redirects"));
}

#[tokio::test]
async fn a_one_syllable_predicate_stem_meets_its_other_endings() {
    let site = Site::with(articles);
    // `작아요` and the article's `작으면` share only the stem `작`.
    assert_eq!(first(&site, "작아요", "ko").await.as_deref(), Some("tap-targets"));
    assert_eq!(first(&site, "버튼 작다고", "ko").await.as_deref(), Some("tap-targets"));
}

#[tokio::test]
async fn a_two_syllable_compound_meets_its_spaced_form() {
    let site = Site::with(articles);
    // The article writes `웹 앱`; the query glues the two and adds a particle.
    assert_eq!(first(&site, "웹앱으로 파일 열기", "ko").await.as_deref(), Some("install-app"));
    // The pieces count only side by side: `내 계정에 … 안 될 때` is no `안내`.
    assert_eq!(top(&site, "안내", "ko").await, vec!["guide"]);
}

#[tokio::test]
async fn a_nominal_ending_meets_the_conjugated_predicate() {
    let site = Site::with(articles);
    // `바꾸기` and `느려짐` name what the articles conjugate (`바꾸려면`, `느려지면`).
    assert_eq!(first(&site, "언어 바꾸기", "ko").await.as_deref(), Some("change-language"));
    assert_eq!(first(&site, "화면 느려짐", "ko").await.as_deref(), Some("slow-screen"));
}

#[tokio::test]
async fn korean_function_words_are_never_required() {
    let site = Site::with(articles);
    let searcher = site.state.searcher();
    // `없이` ("without") keeps its stem `없` optional, `때문에` ("because of") is `때문`.
    let explained = searcher.explain(&SearchRequest::new("쿠키 없이 광고 때문에", "ko")).expect("search");
    assert!(!explained.plan.contains("[없") && !explained.plan.contains("[때문"), "{}", explained.plan);
    assert_eq!(explained.results.hits.first().map(|h| h.slug.as_str()), Some("cookie-ads"));
    // Nor a light verb's stem (`되는데` → `되`).
    let explained = searcher.explain(&SearchRequest::new("로그인 안 되는데", "ko")).expect("search");
    assert!(!explained.plan.contains("[되"), "{}", explained.plan);
}

#[tokio::test]
async fn hiragana_and_long_vowel_variants_match() {
    let site = Site::with(articles);
    assert_eq!(first(&site, "ぱすわーど", "ja").await.as_deref(), Some("reset-password"));
    assert_eq!(first(&site, "サーバ 状態", "ja").await.as_deref(), Some("server-status"));
    assert_eq!(first(&site, "ｻｰﾊﾞｰ", "ja").await.as_deref(), Some("server-status"));
}

#[tokio::test]
async fn a_long_word_searched_by_a_sample_of_its_bigrams_still_rewards_the_whole_word() {
    // `プライバシーサンドボックス` is searched by every other bigram and its last, which leave out
    // `ーサ`, where its two halves meet: only the phrase at their positions tells the whole
    // word from its halves written apart, in a shorter article that BM25 would prefer.
    let site = Site::with(|a| {
        copy_dir(&repo().join("tests/fixtures/articles"), a);
        write(
            a,
            "ja/ads/measurement-proposals.md",
            &article(
                "広告の計測",
                "プライバシーサンドボックスの提案では、広告の計測方法が変わります。サイトの運営者は新しい API を試し、結果を比べてから移行の時期を決めてください。",
            ),
        );
        write(a, "ja/ads/settings-guide.md", &article("設定の案内", "プライバシーの設定。サンドボックスの環境。"));
    });
    assert_eq!(
        top(&site, "プライバシーサンドボックス", "ja").await.first().map(String::as_str),
        Some("measurement-proposals")
    );
}
