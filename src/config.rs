//! Configuration: defaults, then `helpcenter.toml`, then `HELPCENTER_*` environment
//! variables, then command-line flags (each layer overrides the one before).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::search::query::FieldWeights;

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
    /// Query-string parameter that carries the visitor's last search to `contact_url`.
    pub contact_query_param: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            site_name: "Help Center".into(),
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
            contact_query_param: "q".into(),
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
            let (line, col) = e.span().map(|s| crate::article::front_matter::line_col(text, s.start)).unwrap_or((1, 1));
            format!("line {line}, column {col}: {}", e.message())
        })
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
        if let Some(v) = get("HELPCENTER_SEARCHLOG") {
            self.searchlog = v;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_layering() {
        let mut c = Config::from_toml("site_name = \"Acme\"\naddr = \"0.0.0.0:9000\"\n[weights]\ntitle = 9.0\n")
            .expect("valid");
        assert_eq!(c.site_name, "Acme");
        assert_eq!(c.weights.title, 9.0);
        assert_eq!(c.weights.body, 1.0);
        c.apply_env(|k| (k == "HELPCENTER_SITE_NAME").then(|| "Env".to_owned())).expect("env ok");
        assert_eq!(c.site_name, "Env");
        assert_eq!(c.addr, "0.0.0.0:9000");
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let err = Config::from_toml("site_name = \"a\"\ncolour = 1\n").expect_err("unknown key");
        assert!(err.contains("line 2"), "{err}");
    }
}
