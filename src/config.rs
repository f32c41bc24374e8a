//! Where the database URL comes from and which backend it selects.
//!
//! First found wins: `--database-url`, `DATABASE_URL` in the environment,
//! `config.env` (the Node.js runner's file), `.env`, then the embedded default
//! (a SQLite file in the working directory) — except in production, where a
//! missing URL is an error.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file migrated when nothing is configured.
pub const DEFAULT_SQLITE_FILE: &str = "buildxpert.sqlite3";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    Flag,
    Environment,
    File(PathBuf),
    Default,
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database-url"),
            UrlSource::Environment => f.write_str("DATABASE_URL"),
            UrlSource::File(path) => write!(f, "DATABASE_URL in {}", path.display()),
            UrlSource::Default => f.write_str("the built-in default"),
        }
    }
}

/// A resolved database: what to connect to, and how to name it without secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub backend: Backend,
    /// What the driver receives (may hold a password: never print it).
    pub connect_url: String,
    pub source: UrlSource,
    password: Option<String>,
    display: String,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("backend", &self.backend)
            .field("display", &self.display)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl Target {
    /// Parses a URL as given by a person; `source` says where it came from.
    pub fn parse(raw: &str, source: UrlSource) -> Result<Target> {
        let raw = raw.trim();
        let lower = raw.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Self::postgres(raw, source);
        }
        let sqlite_path = if let Some(path) = strip_prefix_ci(raw, "sqlite://") {
            Some(path.to_string())
        } else if let Some(path) = strip_prefix_ci(raw, "sqlite:") {
            Some(path.to_string())
        } else if strip_prefix_ci(raw, "file:").is_some() {
            // A SQLite URI: the driver opens it as such.
            Some(raw.to_string())
        } else if !raw.contains("://")
            && [".db", ".sqlite", ".sqlite3"]
                .iter()
                .any(|ext| lower.ends_with(ext))
        {
            Some(raw.to_string())
        } else {
            None
        };
        match sqlite_path {
            Some(path) if path.is_empty() => Err(Error::BadUrl {
                url: raw.to_string(),
                reason: "the SQLite path is empty".to_string(),
            }),
            Some(path) => Ok(Target {
                backend: Backend::Sqlite,
                display: format!("SQLite file {path}"),
                connect_url: path,
                source,
                password: None,
            }),
            None => {
                let shown = redact_userinfo(raw);
                let reason = match raw.split_once("://") {
                    Some((scheme, _)) => format!("the scheme `{scheme}` is not supported"),
                    None => "it is neither a URL nor a SQLite file path".to_string(),
                };
                Err(Error::BadUrl { url: shown, reason })
            }
        }
    }

    fn postgres(raw: &str, source: UrlSource) -> Result<Target> {
        let parsed = url::Url::parse(raw).map_err(|e| Error::BadUrl {
            url: redact_userinfo(raw),
            reason: format!("it is not a valid PostgreSQL URL ({e})"),
        })?;
        // libpq also takes the password as a query parameter.
        let password = parsed
            .password()
            .map(percent_decode)
            .or_else(|| query_param(&parsed, "password"))
            .filter(|p| !p.is_empty());
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .or_else(|| query_param(&parsed, "host"))
            .unwrap_or_else(|| "localhost".to_string());
        let port = parsed
            .port()
            .map(|p| p.to_string())
            .or_else(|| query_param(&parsed, "port"))
            .unwrap_or_else(|| "5432".to_string());
        let user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(percent_decode)
            .or_else(|| query_param(&parsed, "user"));
        let database = Some(percent_decode(parsed.path().trim_start_matches('/')))
            .filter(|d| !d.is_empty())
            .or_else(|| query_param(&parsed, "dbname"))
            .or_else(|| user.clone())
            .unwrap_or_else(|| "postgres".to_string());
        let display = match &user {
            Some(user) => format!("PostgreSQL database {database} on {host}:{port} as {user}"),
            None => format!("PostgreSQL database {database} on {host}:{port}"),
        };
        Ok(Target {
            backend: Backend::Postgres,
            connect_url: raw.to_string(),
            source,
            password,
            display,
        })
    }

    /// The password, for tools that take it apart from the URL (`PGPASSWORD`).
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The connection URL without its password.
    pub fn url_without_password(&self) -> String {
        match url::Url::parse(&self.connect_url) {
            Ok(mut url) if self.password.is_some() => {
                let _ = url.set_password(None);
                // Edit the raw query: re-encoding it would turn %20 into `+`,
                // which libpq does not read as a space.
                let kept: Vec<&str> = url
                    .query()
                    .unwrap_or_default()
                    .split('&')
                    .filter(|pair| !pair.is_empty() && !pair.starts_with("password="))
                    .collect();
                let kept = kept.join("&");
                url.set_query((!kept.is_empty()).then_some(kept.as_str()));
                url.to_string()
            }
            _ => self.connect_url.clone(),
        }
    }

    /// Replaces the password, wherever it occurs in `text`, with `***`.
    pub fn redact(&self, text: &str) -> String {
        match &self.password {
            Some(password) => text.replace(password.as_str(), "***"),
            None => text.to_string(),
        }
    }
}

/// Where to look for configuration: the environment and the working directory.
pub struct Environment<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub dir: &'a Path,
}

impl Environment<'_> {
    /// `BUILDXPERT_ENV=production`: no silent defaults, no unconfirmed data loss.
    pub fn production(&self) -> bool {
        (self.var)("BUILDXPERT_ENV")
            .map(|v| v.trim().eq_ignore_ascii_case("production"))
            .unwrap_or(false)
    }
}

/// Resolves the database to migrate, following the documented order.
pub fn resolve(flag: Option<&str>, env: &Environment<'_>) -> Result<Target> {
    if let Some(url) = flag {
        return Target::parse(url, UrlSource::Flag);
    }
    if let Some(url) = (env.var)("DATABASE_URL").filter(|u| !u.trim().is_empty()) {
        return Target::parse(&url, UrlSource::Environment);
    }
    for name in ["config.env", ".env"] {
        let path = env.dir.join(name);
        if let Some(url) = url_in_file(&path)? {
            return Target::parse(&url, UrlSource::File(path));
        }
    }
    if env.production() {
        return Err(Error::NoUrlInProduction);
    }
    let path = env.dir.join(DEFAULT_SQLITE_FILE);
    Target::parse(&path.to_string_lossy(), UrlSource::Default)
}

/// `DATABASE_URL` from a dotenv-style file, if the file exists and sets it.
fn url_in_file(path: &Path) -> Result<Option<String>> {
    if !path.is_file() {
        return Ok(None);
    }
    let entries = dotenvy::from_path_iter(path).map_err(|e| {
        Error::Usage(format!(
            "cannot read {}: {e}; fix or remove the file",
            path.display()
        ))
    })?;
    for (number, entry) in entries.enumerate() {
        // dotenvy's message quotes the offending line, which may hold another
        // secret (the Node.js app keeps its API keys there): name the line only.
        let (key, value) = entry.map_err(|_| {
            Error::Usage(format!(
                "cannot parse {} near entry {}: use KEY=VALUE lines (single-quote values \
                 holding $ or #)",
                path.display(),
                number + 1
            ))
        })?;
        if key == "DATABASE_URL" && !value.trim().is_empty() {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A query parameter, percent-decoded the way libpq does (a `+` stays a `+`,
/// unlike HTML form decoding).
fn query_param(url: &url::Url, key: &str) -> Option<String> {
    url.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode(v))
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Hides whatever sits between `://` and `@` in a URL that failed to parse.
fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}://***@{}", &raw[..start], &raw[at + 1..])
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_with<'a>(
        vars: &'a HashMap<&'static str, &'static str>,
    ) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.get(k).map(|v| v.to_string())
    }

    #[test]
    fn postgres_url_is_described_without_password() {
        let t = Target::parse(
            "postgres://app:s3cr%21t@db.example:6543/buildxpert",
            UrlSource::Flag,
        )
        .unwrap();
        assert_eq!(t.backend, Backend::Postgres);
        assert_eq!(
            t.to_string(),
            "PostgreSQL database buildxpert on db.example:6543 as app"
        );
        assert_eq!(t.redact("auth failed for s3cr!t"), "auth failed for ***");
        assert!(!format!("{t:?}").contains("s3cr"));
        assert_eq!(
            t.url_without_password(),
            "postgres://app@db.example:6543/buildxpert"
        );
    }

    #[test]
    fn a_password_in_the_query_is_a_password_too() {
        let t = Target::parse(
            "postgresql://app@db/buildxpert?sslmode=require&password=hunter2",
            UrlSource::Flag,
        )
        .unwrap();
        assert_eq!(t.password(), Some("hunter2"));
        assert_eq!(
            t.url_without_password(),
            "postgresql://app@db/buildxpert?sslmode=require"
        );
        assert_eq!(t.redact("x hunter2 y"), "x *** y");

        let spaced = Target::parse(
            "postgres://app@db/x?options=-c%20search_path%3Dapp&password=a+b",
            UrlSource::Flag,
        )
        .unwrap();
        assert_eq!(spaced.password(), Some("a+b"));
        assert_eq!(
            spaced.url_without_password(),
            "postgres://app@db/x?options=-c%20search_path%3Dapp"
        );
    }

    #[test]
    fn a_bad_config_env_line_is_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.env"),
            "STRIPE_KEY=sk_live abc def\nDATABASE_URL=x.db\n",
        )
        .unwrap();
        let none = HashMap::new();
        let var = env_with(&none);
        let env = Environment {
            var: &var,
            dir: dir.path(),
        };
        let err = resolve(None, &env).unwrap_err().to_string();
        assert!(
            err.contains("config.env") && !err.contains("sk_live"),
            "{err}"
        );
    }

    #[test]
    fn sqlite_forms_select_sqlite() {
        for raw in [
            "sqlite://data/app.db",
            "file:app.db?mode=rwc",
            "x.sqlite3",
            "a/b.db",
        ] {
            let t = Target::parse(raw, UrlSource::Flag).unwrap();
            assert_eq!(t.backend, Backend::Sqlite, "{raw}");
        }
        assert_eq!(
            Target::parse("sqlite://data/app.db", UrlSource::Flag)
                .unwrap()
                .connect_url,
            "data/app.db"
        );
    }

    #[test]
    fn unsupported_scheme_names_it_and_hides_credentials() {
        let err = Target::parse("mysql://root:hunter2@localhost/db", UrlSource::Flag)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`mysql` is not supported"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn precedence_flag_env_config_env_dotenv_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "DATABASE_URL=dot.db\n").unwrap();
        let none = HashMap::new();
        let var = env_with(&none);
        let env = Environment {
            var: &var,
            dir: dir.path(),
        };
        assert_eq!(resolve(None, &env).unwrap().connect_url, "dot.db");

        std::fs::write(
            dir.path().join("config.env"),
            "PORT=5000\nDATABASE_URL=config.db\n",
        )
        .unwrap();
        assert_eq!(resolve(None, &env).unwrap().connect_url, "config.db");

        let vars = HashMap::from([("DATABASE_URL", "env.db")]);
        let var = env_with(&vars);
        let env = Environment {
            var: &var,
            dir: dir.path(),
        };
        assert_eq!(resolve(None, &env).unwrap().connect_url, "env.db");
        assert_eq!(
            resolve(Some("flag.db"), &env).unwrap().connect_url,
            "flag.db"
        );
    }

    #[test]
    fn default_is_local_sqlite_except_in_production() {
        let dir = tempfile::tempdir().unwrap();
        let none = HashMap::new();
        let var = env_with(&none);
        let env = Environment {
            var: &var,
            dir: dir.path(),
        };
        let t = resolve(None, &env).unwrap();
        assert_eq!(t.source, UrlSource::Default);
        assert!(t.connect_url.ends_with(DEFAULT_SQLITE_FILE));

        let prod = HashMap::from([("BUILDXPERT_ENV", "production")]);
        let var = env_with(&prod);
        let env = Environment {
            var: &var,
            dir: dir.path(),
        };
        assert!(matches!(resolve(None, &env), Err(Error::NoUrlInProduction)));
    }
}
