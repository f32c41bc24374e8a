//! PostgreSQL connection strings read by libpq's own parser
//! (`PQconninfoParse`), so what we show, hide and pass on is exactly what
//! libpq will use. Secrets are the options libpq itself marks as such
//! (`dispchar = "*"`: `password`), found by structure, never by searching
//! text for the password. We hand libpq a `key=value` string built from the
//! parsed options, so it never re-reads (and never echoes) the raw URL.

use std::ffi::{CStr, CString};
use std::fmt::Write;

/// The options a connection string sets explicitly, in libpq's order.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    options: Vec<Opt>,
}

#[derive(Clone, PartialEq, Eq)]
struct Opt {
    key: String,
    value: String,
    secret: bool,
}

impl ConnInfo {
    /// Parses a `postgres://` URI (or a `key=value` string) as libpq does.
    /// The error never quotes the input: libpq's messages quote the token
    /// they choke on, which may be part of a password.
    pub fn parse(text: &str) -> Result<ConnInfo, String> {
        let c_text = CString::new(text).map_err(|_| "it contains a NUL byte".to_string())?;
        let mut errmsg: *mut std::os::raw::c_char = std::ptr::null_mut();
        // SAFETY: c_text is a valid NUL-terminated string; libpq returns either
        // an option array (freed below with PQconninfoFree) or NULL with an
        // error message (freed with PQfreemem).
        let array = unsafe { pq_sys::PQconninfoParse(c_text.as_ptr(), &mut errmsg) };
        if array.is_null() {
            let message = if errmsg.is_null() {
                "out of memory".to_string()
            } else {
                // SAFETY: errmsg is libpq's NUL-terminated message.
                let text = unsafe { CStr::from_ptr(errmsg) }
                    .to_string_lossy()
                    .into_owned();
                unsafe { pq_sys::PQfreemem(errmsg.cast()) };
                without_quoted_tokens(&text)
            };
            return Err(message);
        }
        let mut options = Vec::new();
        // SAFETY: the array ends with an entry whose keyword is NULL; every
        // string in it is NUL-terminated and lives until PQconninfoFree.
        unsafe {
            let mut item = array;
            while !(*item).keyword.is_null() {
                let opt = &*item;
                if !opt.val.is_null() {
                    let secret = !opt.dispchar.is_null()
                        && CStr::from_ptr(opt.dispchar).to_bytes().starts_with(b"*");
                    options.push(Opt {
                        key: CStr::from_ptr(opt.keyword).to_string_lossy().into_owned(),
                        value: CStr::from_ptr(opt.val).to_string_lossy().into_owned(),
                        secret,
                    });
                }
                item = item.add(1);
            }
            pq_sys::PQconninfoFree(array);
        }
        Ok(ConnInfo { options })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.key == key)
            .map(|o| o.value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Sets (or replaces) a non-secret option.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.options.iter_mut().find(|o| o.key == key) {
            Some(opt) => opt.value = value.to_string(),
            None => self.options.push(Opt {
                key: key.to_string(),
                value: value.to_string(),
                secret: false,
            }),
        }
    }

    /// The secret options' values (the password), for tools that take them
    /// apart from the connection string.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.options
            .iter()
            .filter(|o| o.secret && !o.value.is_empty())
            .map(|o| o.value.as_str())
    }

    /// `key=value` pairs for libpq; secrets left out unless `with_secrets`.
    pub fn to_conninfo(&self, with_secrets: bool) -> String {
        let mut out = String::new();
        for opt in self.options.iter().filter(|o| with_secrets || !o.secret) {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{}={}", opt.key, quote(&opt.value));
        }
        out
    }
}

/// libpq's quoting: single quotes when needed, `\` before `'` and `\`.
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| !c.is_whitespace() && c != '\'' && c != '\\');
    if plain {
        return value.to_string();
    }
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// libpq's parse errors end with the offending token in double quotes, and
/// that token may hold a `"` of its own: keep only the explanation before
/// the first quote.
fn without_quoted_tokens(message: &str) -> String {
    let explanation = message.split('"').next().unwrap_or_default();
    explanation
        .trim()
        .trim_end_matches(['.', ':'])
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_found_by_libpq_and_left_out() {
        let info = ConnInfo::parse("postgresql://app:s3cr%21t@db:6543/bx?sslmode=require").unwrap();
        assert_eq!(info.secrets().collect::<Vec<_>>(), ["s3cr!t"]);
        assert_eq!(info.get("host"), Some("db"));
        assert_eq!(info.get("port"), Some("6543"));
        assert_eq!(
            info.to_conninfo(false),
            "user=app dbname=bx host=db port=6543 sslmode=require"
        );
        assert!(info.to_conninfo(true).contains("password=s3cr!t"));
        let in_query = ConnInfo::parse("postgres://app@db/bx?password=hunter2").unwrap();
        assert_eq!(in_query.secrets().collect::<Vec<_>>(), ["hunter2"]);
    }

    #[test]
    fn parse_errors_never_quote_the_input() {
        for raw in [
            "postgres://u:p%41ss%zz@127.0.0.1/db",
            "postgres://u:secret%00x@127.0.0.1/db",
            "postgres://u@h/db?password=%zzhunter",
            "postgres://u:p\"Secret%zz@h/db",
            "postgres://u:a\"Secret@[::1/db",
        ] {
            let err = ConnInfo::parse(raw).err().unwrap_or_default();
            for fragment in ["p%41ss", "secret", "Secret", "hunter", "%zz"] {
                assert!(!err.contains(fragment), "{raw}: {err}");
            }
        }
    }

    #[test]
    fn values_are_quoted_as_libpq_reads_them() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's\\"), "'it\\'s\\\\'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn multiple_hosts_are_kept() {
        let info = ConnInfo::parse(
            "postgres://u@host1:5432,host2:5433/db?target_session_attrs=read-write",
        )
        .unwrap();
        assert_eq!(info.get("host"), Some("host1,host2"));
        assert_eq!(info.get("port"), Some("5432,5433"));
    }
}
