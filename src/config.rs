//! Where the database URL comes from and which backend it selects.
//!
//! First found wins: `--database-url` (or `--database-url-file`),
//! `DATABASE_URL` (or `DATABASE_URL_FILE`) in the environment, `config.env`
//! (the Node.js runner's file), `.env`, then the embedded default (a SQLite
//! file in the working directory) — except in production, where a missing
//! URL is an error.

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::conninfo::ConnInfo;
use crate::error::{Error, Result};
use crate::sqltext::without_bom;

/// The file migrated when nothing is configured.
pub(crate) const DEFAULT_SQLITE_FILE: &str = "buildxpert.sqlite3";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// One value per backend, for what differs between them (SQL text, file
/// names): the module that owns the value keeps both side by side, and
/// [`ByBackend::get`] is the only place that picks.
#[derive(Debug)]
pub(crate) struct ByBackend<T> {
    pub postgres: T,
    pub sqlite: T,
}

impl<T> ByBackend<T> {
    pub const fn get(&self, backend: Backend) -> &T {
        match backend {
            Backend::Postgres => &self.postgres,
            Backend::Sqlite => &self.sqlite,
        }
    }
}

/// Session settings a run needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Keep retrying a failing connection this long (`--wait`).
    pub wait: Option<Duration>,
    /// How long to wait for another runner (SQLite: the busy timeout).
    pub lock_wait: Duration,
    /// PostgreSQL `lock_timeout` for every statement (`--lock-timeout`).
    pub lock_timeout: Duration,
    /// PostgreSQL `statement_timeout` (`--statement-timeout`), off by default.
    pub statement_timeout: Option<Duration>,
}

impl Default for Settings {
    /// The command line's defaults.
    fn default() -> Settings {
        Settings {
            wait: None,
            lock_wait: Duration::from_secs(300),
            lock_timeout: Duration::from_secs(5),
            statement_timeout: None,
        }
    }
}

/// The operating-system account running the binary (what the Node.js
/// runner records as `executed_by`).
pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    Flag,
    /// `--database-url-file PATH`: a file holding only the URL.
    FlagFile(PathBuf),
    Environment,
    /// `DATABASE_URL_FILE=PATH`: a file holding only the URL.
    EnvironmentFile(PathBuf),
    /// `DATABASE_URL` in a dotenv file (`config.env`, `.env`).
    File(PathBuf),
    Default,
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database-url"),
            UrlSource::FlagFile(path) => write!(f, "--database-url-file {}", path.display()),
            UrlSource::Environment => f.write_str("DATABASE_URL"),
            UrlSource::EnvironmentFile(path) => write!(f, "DATABASE_URL_FILE {}", path.display()),
            UrlSource::File(path) => write!(f, "DATABASE_URL in {}", path.display()),
            UrlSource::Default => f.write_str("the built-in default"),
        }
    }
}

impl UrlSource {
    /// The file the URL was read from.
    fn file(&self) -> Option<&Path> {
        match self {
            UrlSource::FlagFile(path)
            | UrlSource::EnvironmentFile(path)
            | UrlSource::File(path) => Some(path),
            UrlSource::Flag | UrlSource::Environment | UrlSource::Default => None,
        }
    }
}

/// A resolved database: what to connect to, and how to name it without secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    pub backend: Backend,
    /// SQLite: the path or URI the driver opens (PostgreSQL: see [`Target::conninfo`]).
    pub connect_url: String,
    pub source: UrlSource,
    /// PostgreSQL: the options libpq parsed from the URL.
    conninfo: Option<ConnInfo>,
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
        for scheme in ["postgres://", "postgresql://"] {
            if lower.starts_with(scheme) {
                return Self::postgres(&raw[scheme.len()..], source);
            }
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
                conninfo: None,
            }),
            None => {
                let shown = redact_url(raw);
                let reason = match raw.split_once("://") {
                    Some((scheme, _)) => format!("the scheme `{scheme}` is not supported"),
                    None => "it is neither a URL nor a SQLite file path".to_string(),
                };
                Err(Error::BadUrl { url: shown, reason })
            }
        }
    }

    /// `rest` is the URL after its scheme. libpq reads the user part up to
    /// the first `@` (or `/`), a WHATWG parser up to the last `@`: a URL
    /// where the two disagree is refused rather than guessed, since the
    /// guess would turn part of the password into a host name in messages.
    fn postgres(rest: &str, source: UrlSource) -> Result<Target> {
        let bad = |reason: String| Error::BadUrl {
            url: redact_url(&format!("postgres://{rest}")),
            reason,
        };
        if let Some(at) = rest.rfind('@')
            && rest[..at].contains(['@', '/', '?', '#'])
        {
            return Err(bad(
                "an @, /, ? or # before the host (in the user name or password) or an @ after \
                 it must be percent-encoded (%40, %2F, %3F, %23)"
                    .to_string(),
            ));
        }
        // libpq only knows the lowercase schemes.
        let info = ConnInfo::parse(&format!("postgresql://{rest}"))
            .map_err(|e| bad(format!("it is not a valid PostgreSQL URL ({e})")))?;
        Ok(Self::from_conninfo(info, source))
    }

    fn from_conninfo(info: ConnInfo, source: UrlSource) -> Target {
        let host = info
            .get("host")
            .or_else(|| info.get("hostaddr"))
            .unwrap_or("localhost");
        let port = info.get("port").unwrap_or("5432");
        let user = info.get("user");
        let database = info
            .get("dbname")
            .or(user)
            .unwrap_or("postgres")
            .to_string();
        let display = match user {
            Some(user) => format!("PostgreSQL database {database} on {host}:{port} as {user}"),
            None => format!("PostgreSQL database {database} on {host}:{port}"),
        };
        Target {
            backend: Backend::Postgres,
            connect_url: String::new(),
            source,
            conninfo: Some(info),
            display,
        }
    }

    /// Another database on the same PostgreSQL server, reached the same way
    /// (`None` for SQLite).
    pub fn with_database(&self, name: &str) -> Option<Target> {
        let mut info = self.conninfo.clone()?;
        info.set("dbname", name);
        Some(Self::from_conninfo(info, self.source.clone()))
    }

    /// SQLite: the database file on disk (`None` for PostgreSQL and
    /// in-memory databases).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let path = match strip_prefix_ci(&self.connect_url, "file:") {
            // file:PATH?query or file:///PATH
            Some(uri) => {
                let path = uri.split(['?', '#']).next().unwrap_or_default();
                path.strip_prefix("//localhost")
                    .or_else(|| path.strip_prefix("//"))
                    .unwrap_or(path)
            }
            None => self.connect_url.as_str(),
        };
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// PostgreSQL: the parsed options, to connect with (`None` for SQLite).
    pub fn conninfo(&self) -> Option<&ConnInfo> {
        self.conninfo.as_ref()
    }

    /// The password, for tools that take it apart from the URL (`PGPASSWORD`).
    pub fn password(&self) -> Option<&str> {
        self.conninfo.as_ref().and_then(|c| c.secrets().next())
    }

    /// What to hand `pg_dump --dbname` or print in advice: libpq's
    /// `key=value` form without the password.
    pub fn url_without_password(&self) -> String {
        match &self.conninfo {
            Some(info) => info.to_conninfo(false),
            None => self.connect_url.clone(),
        }
    }

    /// Replaces every secret, wherever it occurs in `text`, with `***`: a
    /// second line of defence for driver messages, after structure.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(info) = &self.conninfo {
            for secret in info.secrets() {
                text = text.replace(secret, "***");
            }
        }
        text
    }
}

/// Where to look for configuration: the environment and the working
/// directory (or why it cannot be read).
pub(crate) struct Environment<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub dir: std::result::Result<&'a Path, String>,
}

impl Environment<'_> {
    /// `BUILDXPERT_ENV=production`: no silent defaults, no unconfirmed data loss.
    pub fn production(&self) -> bool {
        (self.var)("BUILDXPERT_ENV")
            .map(|v| v.trim().eq_ignore_ascii_case("production"))
            .unwrap_or(false)
    }
}

/// Resolves the database to migrate, following the documented order:
/// `flag` is `--database-url`, `flag_file` `--database-url-file` (clap
/// refuses both at once).
pub(crate) fn resolve(
    flag: Option<&str>,
    flag_file: Option<&Path>,
    env: &Environment<'_>,
) -> Result<Target> {
    if let Some(url) = flag {
        return Target::parse(url, UrlSource::Flag);
    }
    if let Some(path) = flag_file {
        return url_from_file(path, UrlSource::FlagFile);
    }
    let env_url = (env.var)("DATABASE_URL").filter(|u| !u.trim().is_empty());
    let env_file = (env.var)("DATABASE_URL_FILE").filter(|p| !p.is_empty());
    match (env_url, env_file) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "both DATABASE_URL and DATABASE_URL_FILE are set, and which one is meant cannot \
                 be guessed: unset one"
                    .to_string(),
            ));
        }
        (Some(url), None) => return Target::parse(&url, UrlSource::Environment),
        (None, Some(path)) => return url_from_file(Path::new(&path), UrlSource::EnvironmentFile),
        (None, None) => {}
    }
    let dir = env
        .dir
        .as_ref()
        .map_err(|e| Error::Usage(format!("cannot read the working directory ({e}), where config.env, .env and the default SQLite file are looked for: pass --database-url or set DATABASE_URL")))?;
    for name in ["config.env", ".env"] {
        let path = dir.join(name);
        if let Some(url) = url_in_file(&path)? {
            return Target::parse(&url, UrlSource::File(path));
        }
    }
    if env.production() {
        return Err(Error::NoUrlInProduction);
    }
    let path = dir.join(DEFAULT_SQLITE_FILE);
    Target::parse(&path.to_string_lossy(), UrlSource::Default)
}

/// The URL in a file that holds nothing else (a mounted secret);
/// surrounding whitespace, the trailing newline included, is ignored.
/// Errors name the file, never its content: that may be the password
/// itself, put there by mistake.
fn url_from_file(path: &Path, source: fn(PathBuf) -> UrlSource) -> Result<Target> {
    let source = source(path.to_path_buf());
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read {source}: {e}")))?;
    let text = without_bom(&text);
    if text.trim().is_empty() {
        return Err(Error::Usage(format!("{source} is empty")));
    }
    let url = format!("(the content of {})", path.display());
    Target::parse(text, source).map_err(|e| match e {
        Error::BadUrl { reason, .. } => Error::BadUrl { url, reason },
        other => other,
    })
}

/// Warnings about where the URL came from: a password on the command line
/// (other users see it in `ps`, the shell keeps it in its history), or a
/// file holding secrets that group or others may read (`config.env` and
/// `.env` hold the application's other secrets too).
pub(crate) fn secret_warnings(target: &Target) -> Vec<String> {
    let mut warnings = Vec::new();
    if target.source == UrlSource::Flag && target.password().is_some() {
        warnings.push(
            "warning: the database password is on the command line (--database-url), where \
             other users can read it (ps) and the shell history keeps it: put the URL in \
             DATABASE_URL_FILE, or the password in ~/.pgpass (PGPASSFILE) or PGPASSWORD"
                .to_string(),
        );
    }
    if let Some(path) = target.source.file()
        && let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        warnings.push(format!(
            "warning: {0} can be read by group or others (mode {1:03o}) and holds secrets: \
             chmod 600 {0}",
            path.display(),
            meta.permissions().mode() & 0o777
        ));
    }
    warnings
}

/// `DATABASE_URL` from a dotenv-style file, if the file exists and sets it.
fn url_in_file(path: &Path) -> Result<Option<String>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "cannot read {}: {e}; fix or remove the file",
            path.display()
        ))
    })?;
    let entries = dotenvy::from_read_iter(without_bom(&text).as_bytes());
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

/// A URL that could not be used, as it may be shown: the scheme, then only
/// what follows the last `@` (the user part may hold the password), without
/// the query (which may too). A value that is no URL at all may be a
/// password pasted into the wrong place: it is not shown.
fn redact_url(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return "(the value is not shown)".to_string();
    };
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => ("***@", &rest[at + 1..]),
        None => ("", rest),
    };
    let (location, query) = match rest.split_once('?') {
        Some((location, _)) => (location, "?…"),
        None => (rest, ""),
    };
    format!("{scheme}://{userinfo}{location}{query}")
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
        let shown = t.url_without_password();
        assert!(
            shown.contains("host=db.example") && !shown.contains("s3cr"),
            "{shown}"
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
        let shown = t.url_without_password();
        assert!(
            shown.contains("sslmode=require") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert_eq!(t.redact("x hunter2 y"), "x *** y");

        let spaced = Target::parse(
            "postgres://app@db/x?options=-c%20search_path%3Dapp&password=a+b",
            UrlSource::Flag,
        )
        .unwrap();
        assert_eq!(spaced.password(), Some("a+b"));
        assert!(
            spaced
                .url_without_password()
                .contains("options='-c search_path=app'"),
            "{}",
            spaced.url_without_password()
        );
    }

    /// Malformed and odd URLs: no fragment of the secret in the error, and
    /// ambiguous user parts refused rather than guessed.
    #[test]
    fn no_fragment_of_a_password_in_any_url_error() {
        for (raw, secret) in [
            ("postgres://127.0.0.1:99999/db?password=Hq7Wk9", "Hq7Wk9"),
            ("postgres://u:Pq7%41Wk%zz@127.0.0.1/db", "Pq7%41Wk"),
            ("postgres://u:Sq7Wk9%00x@127.0.0.1/db", "Sq7Wk9"),
            ("postgres://postgres:Pq7@Wk9@127.0.0.1/db", "Pq7@Wk9"),
            ("postgres://u:Pq7/Wk9@127.0.0.1/db", "Pq7/Wk9"),
            ("postgres://u:Pq7?Wk9@127.0.0.1/db", "Pq7?Wk9"),
            ("postgres://u:Pq7#Wk9@127.0.0.1/db", "Pq7#Wk9"),
            ("postgres://u:Pq7Wk9@[::1/db", "Pq7Wk9"),
            ("postgres://u@h/db?password=%zzHq7Wk9&sslmode=x", "Hq7Wk9"),
            ("mysql://root:Hq7Wk9@localhost/db", "Hq7Wk9"),
            ("mysql://localhost/db?password=Hq7Wk9", "Hq7Wk9"),
            // A password pasted where the URL belongs.
            ("Hq7Wk9-pasted", "Hq7Wk9"),
            ("Hq7Wk9?x", "Hq7Wk9"),
        ] {
            match Target::parse(raw, UrlSource::Flag) {
                Err(err) => {
                    let text = err.to_string();
                    let parts = secret.split(['@', '/', '?', '#']).filter(|p| p.len() > 1);
                    for part in parts.chain([secret]) {
                        assert!(!text.contains(part), "{raw}: {text}");
                    }
                }
                Ok(t) => {
                    let shown = format!("{t} {t:?} {}", t.url_without_password());
                    assert!(!shown.contains(secret), "{raw}: {shown}");
                }
            }
        }
    }

    #[test]
    fn the_scheme_is_case_insensitive_for_libpq_too() {
        let t = Target::parse("Postgres://u:S3cret@db/x", UrlSource::Flag).unwrap();
        assert_eq!(t.password(), Some("S3cret"));
        assert!(!t.url_without_password().contains("S3cret"));
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
            dir: Ok(dir.path()),
        };
        let err = resolve(None, None, &env).unwrap_err().to_string();
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
            dir: Ok(dir.path()),
        };
        assert_eq!(resolve(None, None, &env).unwrap().connect_url, "dot.db");

        std::fs::write(
            dir.path().join("config.env"),
            "PORT=5000\nDATABASE_URL=config.db\n",
        )
        .unwrap();
        assert_eq!(resolve(None, None, &env).unwrap().connect_url, "config.db");

        let vars = HashMap::from([("DATABASE_URL", "env.db")]);
        let var = env_with(&vars);
        let env = Environment {
            var: &var,
            dir: Ok(dir.path()),
        };
        assert_eq!(resolve(None, None, &env).unwrap().connect_url, "env.db");
        assert_eq!(
            resolve(Some("flag.db"), None, &env).unwrap().connect_url,
            "flag.db"
        );
    }

    #[test]
    fn a_url_file_never_shows_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db_url");
        // The password alone, where the URL belongs: a likely mistake.
        std::fs::write(&file, "hunter2\n").unwrap();
        let path = file.to_string_lossy().into_owned();
        let var = |name: &str| (name == "DATABASE_URL_FILE").then(|| path.clone());
        let env = Environment {
            var: &var,
            dir: Ok(dir.path()),
        };
        let err = resolve(None, None, &env).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.exit_code(), 2);
        assert!(text.contains(&path) && !text.contains("hunter2"), "{text}");

        std::fs::write(&file, "postgres://app:hunter2@db/x?sslmode=nope%zz\n").unwrap();
        let text = resolve(None, None, &env).unwrap_err().to_string();
        assert!(text.contains(&path) && !text.contains("hunter2"), "{text}");

        std::fs::write(&file, "  \n").unwrap();
        let text = resolve(None, None, &env).unwrap_err().to_string();
        assert!(text.contains("is empty"), "{text}");

        std::fs::write(&file, "postgres://app:hunter2@db/x\r\n").unwrap();
        let t = resolve(None, None, &env).unwrap();
        assert_eq!(t.source, UrlSource::EnvironmentFile(file.clone()));
        assert_eq!(t.password(), Some("hunter2"));
    }

    #[test]
    fn default_is_local_sqlite_except_in_production() {
        let dir = tempfile::tempdir().unwrap();
        let none = HashMap::new();
        let var = env_with(&none);
        let env = Environment {
            var: &var,
            dir: Ok(dir.path()),
        };
        let t = resolve(None, None, &env).unwrap();
        assert_eq!(t.source, UrlSource::Default);
        assert!(t.connect_url.ends_with(DEFAULT_SQLITE_FILE));

        let prod = HashMap::from([("BUILDXPERT_ENV", "production")]);
        let var = env_with(&prod);
        let env = Environment {
            var: &var,
            dir: Ok(dir.path()),
        };
        assert!(matches!(
            resolve(None, None, &env),
            Err(Error::NoUrlInProduction)
        ));
    }
}
