//! Configuration: defaults, then `helpcenter.toml`, then `HELPCENTER_*` environment
//! variables, then command-line flags (each layer overrides the one before).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Relative importance of the searchable fields.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldWeights {
    /// Title.
    pub title: f32,
    /// Keywords and tags.
    pub keywords: f32,
    /// Headings.
    pub headings: f32,
    /// Body text.
    pub body: f32,
    /// How much an article's best-matching section adds to its score.
    pub section: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        Self { title: 4.0, keywords: 3.0, headings: 2.0, body: 1.0, section: 0.5 }
    }
}

/// A secret value: never printed in logs or `Debug` output.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "<unset>" } else { "<redacted>" })
    }
}

/// Everything the commands need to know.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Name shown in the header and page titles.
    pub site_name: String,
    /// The name per locale where it differs (`[site_names]`, `ja = "Tasklane ヘルプセンター"`).
    pub site_names: std::collections::BTreeMap<String, String>,
    /// Locale used when the visitor's cannot be served.
    pub default_locale: String,
    /// Where "Contact support" leads.
    pub contact_url: String,
    /// Articles folder.
    pub articles: PathBuf,
    /// Index folder (generated; can be deleted at any time).
    pub index: PathBuf,
    /// Theme folder: files in `static/` override the embedded defaults.
    pub theme: PathBuf,
    /// Address `serve` listens on.
    pub addr: String,
    /// Articles over this size (bytes) are rejected.
    pub max_article_bytes: u64,
    /// Results per search page.
    pub results_per_page: usize,
    /// Slugs featured on the home page (default: the first article of each category).
    pub popular: Vec<String>,
    /// Search ranking weights.
    pub weights: FieldWeights,
    /// Token for `/admin` (login form or `Authorization: Bearer`). Unset: admin is open to
    /// loopback clients only.
    pub admin_token: Secret,
    /// Show drafts to everyone (`serve --drafts`, for a writers' preview server).
    pub drafts: bool,
    /// Writer mode (`serve --dev`): pages reload themselves when their article changes.
    pub dev: bool,
    /// Watch `articles/` and reload on change while serving.
    pub watch: bool,
    /// Search log: `sqlite://path.db`, `postgres://…`, or `off`.
    pub searchlog: String,
    /// Days of search-log events kept.
    pub retention_days: u32,
    /// The outage journal: where search-log events wait on local disk while the database
    /// is unreachable (replayed in order when it is back, after a restart too).
    pub searchlog_journal: PathBuf,
    /// Disk quota of the journal in MiB; past it events are dropped (and counted).
    pub searchlog_journal_mb: u64,
    /// Query-string parameter that carries the visitor's last search to `contact_url`.
    pub contact_query_param: String,
    /// The portal's public origin (`https://help.example.com`), when known: absolute URLs,
    /// and `Secure` cookies when it is https.
    pub public_url: String,
    /// Reverse proxies (addresses or networks like `10.0.0.0/8`) whose `X-Forwarded-For`
    /// and `X-Forwarded-Proto` are believed. Empty: every peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Hosts besides this one that article images may come from (`https://cdn.example.com`).
    pub image_hosts: Vec<String>,
    /// Connection limits and timeouts.
    pub server: ServerLimits,
    /// Rate limits on visitor events (`[events]`).
    pub events: EventLimits,
}

impl Config {
    /// The site's name in `locale`: its own from `[site_names]`, else `site_name`.
    pub fn site_name_in(&self, locale: &str) -> &str {
        self.site_names.get(locale).map_or(self.site_name.as_str(), String::as_str)
    }
}

/// How long clients may take and how many may connect (`[server]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerLimits {
    /// Seconds a client has to send a complete request head, counted from when the
    /// connection is opened or its previous response was sent (so an idle keep-alive
    /// connection is closed after this long too).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request body.
    pub body_timeout_secs: u64,
    /// Seconds a request may take from its head to the end of its response (live-reload
    /// streams excepted).
    pub request_timeout_secs: u64,
    /// Seconds a connection may make no progress at all (reading or writing) before it is
    /// closed: a client that stops reading its response does not hold it forever.
    pub idle_timeout_secs: u64,
    /// Most connections open at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Seconds open connections get to finish after SIGTERM before they are closed.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout_secs: 10,
            body_timeout_secs: 10,
            request_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 1024,
            shutdown_grace_secs: 5,
        }
    }
}

/// A token bucket: `burst` events at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Events allowed at once.
    pub burst: f64,
    /// Tokens added per second.
    pub per_second: f64,
}

/// Rate limits on clicks, votes and contact requests (`[events]` in the config file). A
/// request takes a token from its visit's bucket (or, without a visit cookie, from the one
/// bucket all cookie-less clients share), from its client address's bucket (the address
/// is used in memory only, never stored) and from the global bucket; it is refused, taking
/// nothing, when any is empty, so one client cannot drain the global bucket.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventLimits {
    /// Per visit cookie.
    pub visit: Bucket,
    /// Shared by every client that sends no visit cookie.
    pub cookieless: Bucket,
    /// Per client address (IPv4 address, IPv6 /64).
    pub address: Bucket,
    /// Everything together.
    pub global: Bucket,
}

impl Default for EventLimits {
    fn default() -> Self {
        Self {
            visit: Bucket { burst: 30.0, per_second: 0.5 },
            cookieless: Bucket { burst: 200.0, per_second: 20.0 },
            address: Bucket { burst: 120.0, per_second: 5.0 },
            global: Bucket { burst: 2000.0, per_second: 1000.0 },
        }
    }
}

/// An address or a network (`10.0.0.0/8`, `::1`), from the `trusted_proxies` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `1.2.3.4`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// True when `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical_ip(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask(u32::from(net).into(), 32, self.prefix) == mask(u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask(u128::from(net), 128, self.prefix) == mask(u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn mask(bits: u128, width: u32, prefix: u8) -> u128 {
    let prefix = u32::from(prefix).min(width);
    if prefix == 0 { 0 } else { bits >> (width - prefix) }
}

/// IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`: the same as IPv4.
pub fn canonical_ip(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Shortest admin token accepted: long enough that guessing is hopeless even unthrottled.
pub const MIN_TOKEN_CHARS: usize = 24;

impl Default for Config {
    fn default() -> Self {
        Self {
            site_name: "Help Center".into(),
            site_names: std::collections::BTreeMap::new(),
            default_locale: "en".into(),
            contact_url: "mailto:support@example.com".into(),
            articles: "articles".into(),
            index: "index".into(),
            theme: "themes/default".into(),
            addr: "127.0.0.1:8080".into(),
            max_article_bytes: 1024 * 1024,
            results_per_page: 10,
            popular: Vec::new(),
            weights: FieldWeights::default(),
            admin_token: Secret::default(),
            drafts: false,
            dev: false,
            watch: true,
            searchlog: "sqlite://data/searchlog.db".into(),
            retention_days: 365,
            searchlog_journal: PathBuf::from("data/searchlog.journal"),
            searchlog_journal_mb: 256,
            contact_query_param: "q".into(),
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            image_hosts: Vec::new(),
            server: ServerLimits::default(),
            events: EventLimits::default(),
        }
    }
}

/// A configuration that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position.
        message: String,
    },
    /// An environment variable has a bad value.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A setting is present but unusable.
    #[error("setting `{key}`: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Name of the config file looked for in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "helpcenter.toml";

impl Config {
    /// Loads `path` (or `helpcenter.toml` if it exists when `path` is `None`), then applies
    /// `HELPCENTER_*` variables from `env`.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => Self::from_file(Path::new(DEFAULT_CONFIG_FILE))?,
            None => Self::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// Parses a TOML config file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse { path: path.to_path_buf(), message })
    }

    /// Parses TOML config text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            format!("line {line}, column {col}: {}", e.message())
        })
    }

    /// Checks the settings `serve` depends on; every problem says how to fix it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: String| Err(ConfigError::Invalid { key, message });
        let token = self.admin_token.0.chars().count();
        if token > 0 && token < MIN_TOKEN_CHARS {
            return invalid(
                "admin_token",
                format!(
                    "the admin token has {token} characters; use at least {MIN_TOKEN_CHARS} random ones (e.g. `openssl rand -hex 24`)"
                ),
            );
        }
        if let Some(bad) = self.trusted_proxies.iter().find(|p| Network::parse(p).is_none()) {
            return invalid("trusted_proxies", format!("`{bad}` is not an address or network like 10.0.0.0/8"));
        }
        if !self.public_url.is_empty() && origin_of(&self.public_url).is_none() {
            return invalid("public_url", format!("`{}` is not like https://help.example.com", self.public_url));
        }
        if let Some(bad) = self.image_hosts.iter().find(|h| origin_of(h).is_none()) {
            return invalid("image_hosts", format!("`{bad}` is not an origin like https://cdn.example.com"));
        }
        let e = &self.events;
        if [e.visit, e.cookieless, e.address, e.global].iter().any(|b| !(b.burst >= 1.0 && b.per_second > 0.0)) {
            return invalid("events", "every bucket needs burst >= 1 and per_second > 0".into());
        }
        if self.server.max_connections == 0 || self.server.header_timeout_secs == 0 {
            return invalid("server", "max_connections and header_timeout_secs must be at least 1".into());
        }
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("HELPCENTER_SITE_NAME") {
            self.site_name = v;
        }
        if let Some(v) = get("HELPCENTER_DEFAULT_LOCALE") {
            self.default_locale = v;
        }
        if let Some(v) = get("HELPCENTER_CONTACT_URL") {
            self.contact_url = v;
        }
        if let Some(v) = get("HELPCENTER_ARTICLES") {
            self.articles = v.into();
        }
        if let Some(v) = get("HELPCENTER_INDEX") {
            self.index = v.into();
        }
        if let Some(v) = get("HELPCENTER_THEME") {
            self.theme = v.into();
        }
        if let Some(v) = get("HELPCENTER_ADDR") {
            self.addr = v;
        }
        if let Some(v) = get("HELPCENTER_ADMIN_TOKEN") {
            self.admin_token = Secret(v);
        }
        if let Some(v) = get("HELPCENTER_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = get("HELPCENTER_TRUSTED_PROXIES") {
            self.trusted_proxies = v.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
        }
        if let Some(v) = get("HELPCENTER_SEARCHLOG") {
            self.searchlog = v;
        }
        if let Some(v) = get("HELPCENTER_SEARCHLOG_JOURNAL") {
            self.searchlog_journal = PathBuf::from(v);
        }
        if let Some(v) = get("HELPCENTER_RETENTION_DAYS") {
            self.retention_days = v.parse().map_err(|_| ConfigError::Env {
                name: "HELPCENTER_RETENTION_DAYS".into(),
                message: format!("`{v}` is not a number of days"),
            })?;
        }
        if let Some(v) = get("HELPCENTER_MAX_ARTICLE_BYTES") {
            self.max_article_bytes = v.parse().map_err(|_| ConfigError::Env {
                name: "HELPCENTER_MAX_ARTICLE_BYTES".into(),
                message: format!("`{v}` is not a number of bytes"),
            })?;
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `scheme://host[:port]` of an http(s) URL without path, query or credentials, or `None`.
pub fn origin_of(url: &str) -> Option<&str> {
    let url = url.trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        && !rest.starts_with([':', '.', '-']);
    valid.then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_layering() {
        let mut c = Config::from_toml(
            "site_name = \"Acme\"\naddr = \"0.0.0.0:9000\"\n[weights]\ntitle = 9.0\n[site_names]\nja = \"Acme ヘルプ\"\n",
        )
            .expect("valid");
        assert_eq!(c.site_name, "Acme");
        assert_eq!((c.site_name_in("ja"), c.site_name_in("ko")), ("Acme ヘルプ", "Acme"), "per-locale name");
        assert_eq!(c.weights.title, 9.0);
        assert_eq!(c.weights.body, 1.0);
        c.apply_env(|k| (k == "HELPCENTER_SITE_NAME").then(|| "Env".to_owned())).expect("env ok");
        assert_eq!(c.site_name, "Env");
        assert_eq!(c.addr, "0.0.0.0:9000");
    }

    #[test]
    fn short_tokens_and_bad_settings_are_refused() {
        let mut c = Config { admin_token: Secret("s3cret".into()), ..Config::default() };
        let err = c.validate().expect_err("short token");
        assert!(err.to_string().contains("at least 24"), "{err}");
        c.admin_token = Secret("x".repeat(24));
        assert!(c.validate().is_ok());
        c.trusted_proxies = vec!["10.0.0.0/99".into()];
        assert!(c.validate().is_err());
        c.trusted_proxies.clear();
        c.public_url = "https://help.example.com/".into();
        assert!(c.validate().is_ok());
        c.image_hosts = vec!["https://cdn.example.com/path".into()];
        assert!(c.validate().is_err());
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let err = Config::from_toml("site_name = \"a\"\ncolour = 1\n").expect_err("unknown key");
        assert!(err.contains("line 2"), "{err}");
    }
}
