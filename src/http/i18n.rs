//! The portal's own UI text (buttons, headings) in every shipped locale, and the
//! `Accept-Language` negotiation that picks a locale for `/`.

/// UI strings for one locale. `{n}` and `{q}` are placeholders filled by the methods.
#[derive(Debug)]
pub struct Ui {
    /// BCP 47 code.
    pub code: &'static str,
    /// The language's own name, for the language switcher.
    pub language_name: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub hero_title: &'static str,
    pub hero_subtitle: &'static str,
    pub categories: &'static str,
    pub popular_articles: &'static str,
    pub articles_count: &'static str,
    pub view_all: &'static str,
    pub results_for: &'static str,
    pub results_count: &'static str,
    pub no_results_title: &'static str,
    pub no_results_tips: &'static str,
    pub browse_categories: &'static str,
    pub empty_query: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub home: &'static str,
    pub on_this_page: &'static str,
    pub updated: &'static str,
    pub related_articles: &'static str,
    pub other_languages: &'static str,
    pub was_helpful: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub thanks_feedback: &'static str,
    pub still_need_help: &'static str,
    pub contact_prompt: &'static str,
    pub contact_support: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub back_home: &'static str,
    pub language: &'static str,
    pub skip_to_content: &'static str,
    /// The typo-correction notice, one sentence order per language: `{fixed}` is the query
    /// searched, `{original}` a link to search what was typed.
    pub correction: &'static str,
    /// `aria-label` of breadcrumbs.
    pub breadcrumb: &'static str,
    /// `aria-label` of result pages' navigation.
    pub pagination: &'static str,
    /// The draft badge.
    pub draft: &'static str,
    /// A date: `{y}`, `{m}` (1–12), `{month}` (English name), `{d}`.
    pub date: &'static str,
    pub all_categories: &'static str,
    pub filter_by_category: &'static str,
    pub tell_us_more: &'static str,
    pub feedback_reason: &'static str,
    pub reason_missing: &'static str,
    pub reason_unclear: &'static str,
    pub reason_outdated: &'static str,
    pub reason_wrong: &'static str,
    pub feedback_comment: &'static str,
    pub feedback_score: &'static str,
    pub search_for: &'static str,
    pub suggestions: &'static str,
    /// Announced when the typeahead list changes: "{n} suggestions".
    pub suggestions_count: &'static str,
    /// The dark-theme toggle.
    pub dark_mode: &'static str,
    /// The subject of a support e-mail (`contact_url = "mailto:…"`).
    pub mail_subject: &'static str,
    /// Its body before the visitor's last search.
    pub mail_body: &'static str,
    /// "Who can use this": the plans line of an article.
    pub plans_label: &'static str,
    /// "Who can use this": the roles line of an article.
    pub roles_label: &'static str,
    /// A heading's copy-link button.
    pub copy_link: &'static str,
    /// What the copy-link button says once copied.
    pub link_copied: &'static str,
    pub read_full_article: &'static str,
}

impl Ui {
    /// "12 articles".
    pub fn articles(&self, n: &usize) -> String {
        self.articles_count.replace("{n}", &n.to_string())
    }

    /// "3 results".
    pub fn results(&self, n: &usize) -> String {
        self.results_count.replace("{n}", &n.to_string())
    }

    /// The correction notice as HTML: `fixed` emphasized, `original` a link to `url`.
    pub fn correction_html(&self, fixed: &str, original: &str, url: &str) -> String {
        let esc = crate::search::escape_html;
        let fixed = format!("<strong><em>{}</em></strong>", esc(fixed));
        let original = format!(r#"<a href="{}"><em>{}</em></a>"#, esc(url), esc(original));
        self.correction
            .split("{fixed}")
            .map(|piece| piece.split("{original}").map(esc).collect::<Vec<_>>().join(&original))
            .collect::<Vec<_>>()
            .join(&fixed)
    }

    /// A date as the language writes it (`July 20, 2026`, `2026年7月20日`).
    pub fn format_date(&self, date: &time::Date) -> String {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let m = u8::from(date.month());
        self.date
            .replace("{y}", &date.year().to_string())
            .replace("{month}", MONTHS[usize::from(m - 1)])
            .replace("{m}", &m.to_string())
            .replace("{d}", &date.day().to_string())
    }

    /// "Results for “q”" (the caller escapes; askama escapes the whole string).
    pub fn results_for_query(&self, q: &str) -> String {
        self.results_for.replace("{q}", q)
    }
}

const EN: Ui = Ui {
    code: "en",
    language_name: "English",
    search_placeholder: "Search for answers…",
    search_button: "Search",
    hero_title: "How can we help?",
    hero_subtitle: "Search our help articles or browse by topic.",
    categories: "Browse by topic",
    popular_articles: "Popular articles",
    articles_count: "{n} articles",
    view_all: "View all",
    results_for: "Results for “{q}”",
    results_count: "{n} results",
    no_results_title: "No articles match your search",
    no_results_tips: "Try fewer or different words, check the spelling, or browse a topic below.",
    browse_categories: "Browse topics",
    empty_query: "Type a question or a few keywords to search.",
    previous: "Previous",
    next: "Next",
    home: "Help Center",
    on_this_page: "On this page",
    updated: "Updated",
    related_articles: "Related articles",
    other_languages: "Also available in",
    was_helpful: "Was this article helpful?",
    yes: "Yes",
    no: "No",
    thanks_feedback: "Thanks for your feedback!",
    still_need_help: "Still need help?",
    contact_prompt: "Our support team is happy to help.",
    contact_support: "Contact support",
    not_found_title: "Page not found",
    not_found_text: "The page you are looking for does not exist or has moved. Try searching instead.",
    error_title: "Something went wrong",
    error_text: "We could not show this page right now. Please try again in a moment.",
    back_home: "Back to the Help Center",
    language: "Language",
    skip_to_content: "Skip to content",
    correction: "Showing results for {fixed}. Search instead for {original}.",
    breadcrumb: "Breadcrumb",
    pagination: "Pagination",
    draft: "Draft",
    date: "{month} {d}, {y}",
    all_categories: "All",
    filter_by_category: "Filter by topic",
    tell_us_more: "Tell us more (optional)",
    feedback_reason: "What was the problem?",
    reason_missing: "Missing information",
    reason_unclear: "Hard to understand",
    reason_outdated: "Out of date",
    reason_wrong: "Not what I was looking for",
    feedback_comment: "Comment (please do not include personal data)",
    feedback_score: "How satisfied are you? (1–10)",
    search_for: "Search for “{q}”",
    suggestions: "Suggestions",
    suggestions_count: "{n} suggestions",
    dark_mode: "Dark mode",
    mail_subject: "Help request",
    mail_body: "I searched the help center for:",
    plans_label: "Available on",
    roles_label: "Who can do this",
    copy_link: "Copy link to section",
    link_copied: "Link copied",
    read_full_article: "Read the full article",
};

const JA: Ui = Ui {
    code: "ja",
    language_name: "日本語",
    search_placeholder: "キーワードや質問を入力…",
    search_button: "検索",
    hero_title: "どのようなことでお困りですか？",
    hero_subtitle: "ヘルプ記事を検索するか、トピックから探してください。",
    categories: "トピックから探す",
    popular_articles: "よく読まれている記事",
    articles_count: "{n} 件の記事",
    view_all: "すべて表示",
    results_for: "「{q}」の検索結果",
    results_count: "{n} 件",
    no_results_title: "一致する記事が見つかりませんでした",
    no_results_tips: "別のキーワードや短い言葉で検索するか、以下のトピックから探してください。",
    browse_categories: "トピック一覧",
    empty_query: "質問やキーワードを入力して検索してください。",
    previous: "前へ",
    next: "次へ",
    home: "ヘルプセンター",
    on_this_page: "目次",
    updated: "更新日",
    related_articles: "関連記事",
    other_languages: "他の言語",
    was_helpful: "この記事は役に立ちましたか？",
    yes: "はい",
    no: "いいえ",
    thanks_feedback: "フィードバックありがとうございました。",
    still_need_help: "問題が解決しない場合",
    contact_prompt: "サポートチームがお手伝いします。",
    contact_support: "サポートに問い合わせる",
    not_found_title: "ページが見つかりません",
    not_found_text: "お探しのページは存在しないか、移動した可能性があります。検索をお試しください。",
    error_title: "エラーが発生しました",
    error_text: "現在このページを表示できません。しばらくしてから再度お試しください。",
    back_home: "ヘルプセンターに戻る",
    language: "言語",
    skip_to_content: "本文へスキップ",
    correction: "「{fixed}」の検索結果を表示しています。入力どおり「{original}」で検索する",
    breadcrumb: "パンくずリスト",
    pagination: "ページ送り",
    draft: "下書き",
    date: "{y}年{m}月{d}日",
    all_categories: "すべて",
    filter_by_category: "トピックで絞り込む",
    tell_us_more: "詳しく教えてください（任意）",
    feedback_reason: "どのような問題がありましたか？",
    reason_missing: "情報が足りない",
    reason_unclear: "わかりにくい",
    reason_outdated: "内容が古い",
    reason_wrong: "探していた内容ではない",
    feedback_comment: "コメント（個人情報は入力しないでください）",
    feedback_score: "満足度（1〜10）",
    search_for: "「{q}」を検索",
    suggestions: "候補",
    suggestions_count: "候補 {n} 件",
    dark_mode: "ダークモード",
    mail_subject: "お問い合わせ",
    mail_body: "ヘルプセンターで検索した内容:",
    plans_label: "対象プラン",
    roles_label: "操作できるユーザー",
    copy_link: "このセクションへのリンクをコピー",
    link_copied: "リンクをコピーしました",
    read_full_article: "記事全文を読む",
};

const KO: Ui = Ui {
    code: "ko",
    language_name: "한국어",
    search_placeholder: "질문이나 키워드를 입력하세요…",
    search_button: "검색",
    hero_title: "무엇을 도와드릴까요?",
    hero_subtitle: "도움말 문서를 검색하거나 주제별로 찾아보세요.",
    categories: "주제별로 찾아보기",
    popular_articles: "많이 본 문서",
    articles_count: "문서 {n}개",
    view_all: "모두 보기",
    results_for: "“{q}” 검색 결과",
    results_count: "{n}개 결과",
    no_results_title: "검색어와 일치하는 문서가 없습니다",
    no_results_tips: "다른 단어나 더 짧은 검색어를 사용하거나 아래 주제에서 찾아보세요.",
    browse_categories: "주제 둘러보기",
    empty_query: "질문이나 키워드를 입력해 검색하세요.",
    previous: "이전",
    next: "다음",
    home: "고객센터",
    on_this_page: "이 페이지의 내용",
    updated: "업데이트",
    related_articles: "관련 문서",
    other_languages: "다른 언어로 보기",
    was_helpful: "이 문서가 도움이 되었나요?",
    yes: "예",
    no: "아니요",
    thanks_feedback: "의견을 보내 주셔서 감사합니다!",
    still_need_help: "아직 도움이 필요하신가요?",
    contact_prompt: "지원팀이 도와드리겠습니다.",
    contact_support: "지원팀에 문의하기",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_text: "찾으시는 페이지가 없거나 이동되었습니다. 검색을 이용해 보세요.",
    error_title: "문제가 발생했습니다",
    error_text: "지금은 이 페이지를 표시할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    back_home: "고객센터로 돌아가기",
    language: "언어",
    skip_to_content: "본문으로 건너뛰기",
    correction: "‘{fixed}’ 검색 결과를 표시합니다. 입력한 ‘{original}’(으)로 검색",
    breadcrumb: "이동 경로",
    pagination: "페이지 이동",
    draft: "초안",
    date: "{y}년 {m}월 {d}일",
    all_categories: "전체",
    filter_by_category: "주제별 필터",
    tell_us_more: "자세히 알려 주세요(선택)",
    feedback_reason: "어떤 문제가 있었나요?",
    reason_missing: "정보가 부족함",
    reason_unclear: "이해하기 어려움",
    reason_outdated: "내용이 오래됨",
    reason_wrong: "찾던 내용이 아님",
    feedback_comment: "의견(개인정보는 입력하지 마세요)",
    feedback_score: "만족도(1~10)",
    search_for: "“{q}” 검색",
    suggestions: "추천 검색어",
    suggestions_count: "추천 {n}개",
    dark_mode: "다크 모드",
    mail_subject: "도움 요청",
    mail_body: "도움말 센터에서 검색한 내용:",
    plans_label: "이용 가능 요금제",
    roles_label: "사용 가능 역할",
    copy_link: "이 섹션 링크 복사",
    link_copied: "링크를 복사했습니다",
    read_full_article: "전체 문서 보기",
};

/// The UI text for `locale`: its own, its language's (`ja-JP` → `ja`), or English.
pub fn ui(locale: &str) -> &'static Ui {
    let lang = locale.split('-').next().unwrap_or(locale);
    match lang {
        "ja" => &JA,
        "ko" => &KO,
        _ => &EN,
    }
}

/// The name of `locale` in its own language, for the language switcher.
pub fn language_name(locale: &str) -> &'static str {
    let ui = ui(locale);
    if ui.code == locale.split('-').next().unwrap_or(locale) { ui.language_name } else { "" }
}

/// Picks the best of `available` for an `Accept-Language` header, or `fallback`.
pub fn negotiate<'a>(header: Option<&str>, available: &'a [String], fallback: &'a str) -> &'a str {
    let Some(header) = header else { return pick_fallback(available, fallback) };
    let mut ranges: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0 && q.is_finite()).then_some((q, i, tag))
        })
        .take(32)
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in ranges {
        if tag == "*" {
            return pick_fallback(available, fallback);
        }
        if let Some(exact) = available.iter().find(|l| l.eq_ignore_ascii_case(tag)) {
            return exact;
        }
        let lang = tag.split('-').next().unwrap_or(tag);
        if let Some(m) = available.iter().find(|l| l.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(lang))) {
            return m;
        }
    }
    pick_fallback(available, fallback)
}

fn pick_fallback<'a>(available: &'a [String], fallback: &'a str) -> &'a str {
    if available.iter().any(|l| l == fallback) { fallback } else { available.first().map_or(fallback, String::as_str) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Vec<String> {
        vec!["en".into(), "ja".into(), "ko".into()]
    }

    #[test]
    fn negotiates_by_quality_and_language() {
        let l = locales();
        assert_eq!(negotiate(Some("ja-JP,ja;q=0.9,en;q=0.8"), &l, "en"), "ja");
        assert_eq!(negotiate(Some("fr-FR, ko;q=0.5, en;q=0.4"), &l, "en"), "ko");
        assert_eq!(negotiate(Some("de"), &l, "en"), "en");
        assert_eq!(negotiate(None, &l, "en"), "en");
        assert_eq!(negotiate(Some(";;;,q=abc,,ja;q=nan"), &l, "en"), "en");
    }

    #[test]
    fn placeholders_fill() {
        assert_eq!(ui("ja").articles(&3), "3 件の記事");
        assert_eq!(ui("ko-KR").results(&2), "2개 결과");
        assert_eq!(ui("fr").code, "en");
    }
}
