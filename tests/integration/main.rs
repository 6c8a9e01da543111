//! Integration tests: the real article loader, a real tantivy index in a temp dir, the real
//! router (without a socket), and the real binary on a real port.

mod admin;
mod analytics;
mod architecture;
mod browser;
mod check;
mod check_rules;
mod cjk;
mod drafts;
mod index;
mod portal;
mod quality;
mod real_port;
mod relevance;
mod sample;
mod search;
mod searchlog;
mod sections;
mod security;
mod seo;
mod suggest;
mod support;
mod transfer;
mod watch;
