//! The targets file: one `NAME URL` per line (URL may be `env:VARIABLE`),
//! read and checked before anything runs; nothing of a bad line is shown
//! but a valid name, since a URL with its password may stand in any field.

use std::collections::HashMap;
use std::path::Path;

use crate::config::{Target, UrlSource};
use crate::error::{Error, Result};
use crate::sqltext;

/// One line of the targets file.
pub(super) struct Member {
    pub name: String,
    /// Secret: handed to the child in its environment, never shown.
    pub url: String,
    pub target: Target,
}

pub(super) fn read_targets(
    path: &Path,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Member>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "cannot read the targets file {}: {e}",
            path.display()
        ))
    })?;
    let members = parse_targets(sqltext::without_bom(&text), path, var)?;
    if members.is_empty() {
        return Err(Error::Usage(format!(
            "the targets file {} lists no targets (one `NAME URL` per line)",
            path.display()
        )));
    }
    Ok(members)
}

/// Every target of the file, in order. A malformed line is refused with its
/// number; nothing of it is shown but a valid name, since a URL with its
/// password may stand in any field.
fn parse_targets(
    text: &str,
    path: &Path,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Member>> {
    let mut members = Vec::new();
    let mut lines_of: HashMap<String, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let bad = |reason: String| Error::BadTarget {
            file: path.display().to_string(),
            line: number,
            reason,
        };
        let mut fields = line.split_whitespace().take_while(|f| !f.starts_with('#'));
        let Some(name) = fields.next() else {
            continue;
        };
        // The name becomes a directory under --backup: `.` and `..` (or any
        // hidden name) must not reach the backup directory itself or its parent.
        if name.starts_with('.')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(bad(
                "expected `NAME URL` with a NAME of letters, digits, `.`, `_` and `-`, not \
                 starting with `.` (the line is not shown: it may hold a password)"
                    .to_string(),
            ));
        }
        let Some(raw) = fields.next() else {
            return Err(bad(format!(
                "target {name} has no URL: write `{name} postgres://…` or `{name} env:VARIABLE`"
            )));
        };
        if fields.next().is_some() {
            return Err(bad(format!(
                "target {name}: more than a name and a URL (a URL holds no spaces; # starts a \
                 comment)"
            )));
        }
        if let Some(first) = lines_of.get(name) {
            return Err(bad(format!(
                "target {name} is already named on line {first}"
            )));
        }
        let (url, source) = match raw.strip_prefix("env:") {
            Some(variable) => {
                let url = var(variable).filter(|url| !url.trim().is_empty());
                let url = url.ok_or_else(|| {
                    bad(format!(
                        "target {name}: the environment variable `{variable}` is not set"
                    ))
                })?;
                (url, UrlSource::Environment)
            }
            None => (raw.to_string(), UrlSource::File(path.to_path_buf())),
        };
        let target = Target::parse(&url, source).map_err(|e| bad(format!("target {name}: {e}")))?;
        lines_of.insert(name.to_string(), number);
        members.push(Member {
            name: name.to_string(),
            url,
            target,
        });
    }
    Ok(members)
}
