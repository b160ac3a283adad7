//! The JSON output shapes of the tools runbooks parse (`patronictl list -f
//! json`, the Patroni REST API, `etcdctl -w json`): which object keys each
//! output can have, per tool version. The table is
//! `src/lint/data/tool_outputs.toml` (its header documents the format and
//! how it is checked against real captures); RB025 reads it.

use serde::Deserialize;
use std::cmp::Ordering;
use std::sync::LazyLock;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    output: Vec<Output>,
}

/// One output shape of one tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub id: String,
    /// The key in an environment's `[tools]` whose version applies.
    pub tool: String,
    /// How messages name the output (`patronictl list -f json`).
    pub describes: String,
    /// For command-line output: the program and the subcommand words after it.
    pub program: Option<String>,
    #[serde(default)]
    pub subcommands: Vec<String>,
    /// For REST output: the URL paths that return it.
    #[serde(default)]
    pub http_paths: Vec<String>,
    pub source: String,
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// A JSON object key the output has somewhere, at any depth.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    /// First version that outputs it (none: every covered version).
    pub since: Option<String>,
    /// First version that no longer does (none: still output).
    pub until: Option<String>,
    pub note: Option<String>,
}

impl Field {
    /// Is the key output by `version`?
    pub fn valid_at(&self, version: &str) -> bool {
        self.since
            .as_deref()
            .is_none_or(|s| version_cmp(version, s).is_ge())
            && self
                .until
                .as_deref()
                .is_none_or(|u| version_cmp(version, u).is_lt())
    }

    /// Are the keys directly beneath this one user data (tags, parameter names)?
    pub fn is_open_map(&self) -> bool {
        self.note
            .as_deref()
            .is_some_and(|n| n.starts_with("open map:"))
    }
}

impl Output {
    /// The entries for `key` (usually one).
    pub fn fields_named<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.key == key)
    }

    /// Does the output have `key` at `version`, or (no version) in any version?
    pub fn has_key(&self, key: &str, version: Option<&str>) -> bool {
        self.fields_named(key)
            .any(|f| version.is_none_or(|v| f.valid_at(v)))
    }

    /// Are the keys directly beneath `key` user data?
    pub fn is_open_map(&self, key: &str) -> bool {
        self.fields_named(key).any(Field::is_open_map)
    }

    /// Keys the output has at `version` (any version when `None`), each once.
    pub fn keys_at(&self, version: Option<&str>) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.fields {
            if version.is_none_or(|v| f.valid_at(v)) && !out.contains(&f.key.as_str()) {
                out.push(&f.key);
            }
        }
        out
    }
}

/// Every output of the table, parsed once.
pub static OUTPUTS: LazyLock<Vec<Output>> = LazyLock::new(|| {
    let table: Table = toml::from_str(include_str!("data/tool_outputs.toml"))
        .expect("src/lint/data/tool_outputs.toml is valid");
    table.output
});

/// The output a command-line tool prints for these positional words (the
/// subcommand first): the entry whose subcommands are the longest prefix.
pub fn cli_output(program: &str, positionals: &[&str]) -> Option<&'static Output> {
    OUTPUTS
        .iter()
        .filter(|o| o.program.as_deref() == Some(program) && !o.subcommands.is_empty())
        .filter(|o| {
            o.subcommands.len() <= positionals.len()
                && o.subcommands.iter().zip(positionals).all(|(a, b)| a == b)
        })
        .max_by_key(|o| o.subcommands.len())
}

/// The REST output a URL path returns (query string already removed).
pub fn http_output(path: &str) -> Option<&'static Output> {
    let path = match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    OUTPUTS
        .iter()
        .find(|o| o.http_paths.iter().any(|p| p == path))
}

/// How messages name a tool of `[tools]` (`patroni` → Patroni).
pub fn tool_title(tool: &str) -> String {
    match tool {
        "patroni" => "Patroni".to_string(),
        "postgresql" => "PostgreSQL".to_string(),
        other => other.to_string(),
    }
}

/// Compare dotted versions numerically (`4.1.5` > `4.1`, `4.1` = `4.1.0`);
/// a leading `v` and a suffix after `-`/`+` (`4.0.3-1.pgdg`) are ignored.
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let parse = |v: &str| -> Vec<u64> {
        let v = v.trim().trim_start_matches(|c: char| !c.is_ascii_digit());
        let v = v.split(['-', '+', ' ']).next().unwrap_or("");
        v.split('.')
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().unwrap_or(0)
            })
            .collect()
    };
    let (a, b) = (parse(a), parse(b));
    for i in 0..a.len().max(b.len()) {
        let o = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_ids_are_unique() {
        assert!(OUTPUTS.len() >= 10);
        let mut ids: Vec<&str> = OUTPUTS.iter().map(|o| o.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), OUTPUTS.len());
        for o in OUTPUTS.iter() {
            assert!(
                o.program.is_some() == o.http_paths.is_empty(),
                "{}: a program or http_paths",
                o.id
            );
        }
    }

    #[test]
    fn versions_and_lookups() {
        assert!(version_cmp("4.1", "4.1.0").is_eq());
        assert!(version_cmp("4.0.3", "4.1.0").is_lt());
        assert!(version_cmp("v3.10.0", "3.9").is_gt());
        assert!(version_cmp("4.0.3-1.pgdg22.04+1", "4.0.3").is_eq());
        let list = cli_output("patronictl", &["list", "pg"]).unwrap();
        assert_eq!(list.id, "patronictl-list");
        assert!(list.has_key("Lag in MB", Some("4.0.3")));
        assert!(!list.has_key("Lag in MB", Some("4.1.0")));
        assert!(list.has_key("Lag in MB", None));
        assert!(!list.has_key("Lag", None));
        assert!(list.is_open_map("Tags"));
        assert_eq!(
            cli_output("etcdctl", &["endpoint", "status"]).unwrap().id,
            "etcdctl-endpoint-status"
        );
        assert!(cli_output("etcdctl", &["endpoint"]).is_none());
        assert_eq!(http_output("/cluster").unwrap().id, "patroni-rest-cluster");
        assert_eq!(http_output("/").unwrap().id, "patroni-rest-patroni");
        assert_eq!(http_output("/health/").unwrap().id, "patroni-rest-patroni");
        assert!(http_output("/metrics").is_none());
    }
}
