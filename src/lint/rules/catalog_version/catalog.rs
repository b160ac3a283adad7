//! PostgreSQL's system catalogs per major version, as
//! `src/lint/data/pg_catalog.toml` records them (its header says where the
//! data comes from and how it is checked): typed, loaded once, and asked
//! "does this relation, column or function exist in major M?".

use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// A PostgreSQL major version: `9.6` is (9, 6), `16` is (16, 0). Ordered as
/// versions are (9.6 < 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Major(u32, u32);

impl Major {
    /// The major of a version as an environment declares it: `16`, `16.4`,
    /// `9.6`, `9.6.24`, `17beta2`. Before 10 a major has two parts.
    pub fn parse(version: &str) -> Option<Major> {
        let digits = |s: &str| -> Option<u32> {
            let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            s[..end].parse().ok()
        };
        let version = version.trim().trim_start_matches(['v', 'V']);
        let mut parts = version.splitn(3, '.');
        let first = digits(parts.next()?)?;
        if first >= 10 {
            return Some(Major(first, 0));
        }
        let second = digits(parts.next()?)?;
        Some(Major(first, second))
    }
}

impl fmt::Display for Major {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 10 {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}.{}", self.0, self.1)
        }
    }
}

impl<'de> Deserialize<'de> for Major {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Major::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a major version: {s}")))
    }
}

/// The majors a thing exists in: from `since` (absent: every covered major)
/// up to, not including, `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Life {
    pub since: Option<Major>,
    pub until: Option<Major>,
}

impl Life {
    pub fn exists_in(&self, m: Major) -> bool {
        self.since.is_none_or(|s| m >= s) && self.until.is_none_or(|u| m < u)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    #[serde(default)]
    pub since: Option<Major>,
    #[serde(default)]
    pub until: Option<Major>,
    pub replaced_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub name: String,
    #[serde(default)]
    pub since: Option<Major>,
    #[serde(default)]
    pub until: Option<Major>,
    pub source: String,
    pub columns: Vec<Column>,
}

/// Things that exist from one major to another.
macro_rules! has_life {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn life(&self) -> Life {
                Life { since: self.since, until: self.until }
            }
        }
    )*};
}
has_life!(Column, Relation, Function);

impl Relation {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: String,
    #[serde(default)]
    pub since: Option<Major>,
    #[serde(default)]
    pub until: Option<Major>,
    pub replaced_by: Option<String>,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    relation: Vec<Relation>,
    function: Vec<Function>,
}

const DATA: &str = include_str!("../../data/pg_catalog.toml");

/// The catalog data with its indexes.
pub struct Catalog {
    pub relations: Vec<Relation>,
    pub functions: Vec<Function>,
    /// The majors the data covers (its header's `majors covered:` line),
    /// oldest first. Nothing is said about a major outside them.
    pub covered: Vec<Major>,
    by_relation: HashMap<String, usize>,
    by_function: HashMap<String, usize>,
    /// Column name → the relations that list it (indexes, data order).
    by_column: HashMap<String, Vec<usize>>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::parse(DATA));

/// The catalog, parsed on first use.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

impl Catalog {
    fn parse(text: &str) -> Catalog {
        let file: File = toml::from_str(text).expect("src/lint/data/pg_catalog.toml is valid");
        let covered = text
            .lines()
            .find_map(|l| l.strip_prefix("# majors covered:"))
            .expect("pg_catalog.toml names the majors it covers")
            .split(',')
            .map(|v| Major::parse(v).expect("majors covered are versions"))
            .collect();
        let by_relation = file
            .relation
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        let by_function = file
            .function
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        let mut by_column: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in file.relation.iter().enumerate() {
            for c in &r.columns {
                by_column.entry(c.name.clone()).or_default().push(i);
            }
        }
        Catalog {
            relations: file.relation,
            functions: file.function,
            covered,
            by_relation,
            by_function,
            by_column,
        }
    }

    /// Does the data say anything about `m`?
    pub fn covers(&self, m: Major) -> bool {
        self.covered.contains(&m)
    }

    /// A relation by (lower-case) name.
    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.by_relation.get(name).map(|&i| &self.relations[i])
    }

    /// A function by (lower-case) name.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.by_function.get(name).map(|&i| &self.functions[i])
    }

    /// Is `name` a column of some relation in some covered major?
    pub fn is_column_anywhere(&self, name: &str) -> bool {
        self.by_column.contains_key(name)
    }

    /// The relations with a column `name` (in some major), data order.
    pub fn relations_with_column(&self, name: &str) -> impl Iterator<Item = (&Relation, &Column)> {
        self.by_column
            .get(name)
            .into_iter()
            .flatten()
            .map(move |&i| {
                let r = &self.relations[i];
                (r, r.column(name).expect("indexed column"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: &str) -> Major {
        Major::parse(v).unwrap()
    }

    #[test]
    fn majors_parse_and_order_as_versions() {
        assert_eq!(m("16.4"), m("16"));
        assert_eq!(m("9.6.24"), m("9.6"));
        assert_eq!(m("17beta2"), m("17"));
        assert!(m("9.6") < m("10") && m("10") < m("16"));
        assert_eq!(m("9.6").to_string(), "9.6");
        assert_eq!(m("16.4").to_string(), "16");
        assert_eq!(Major::parse("latest"), None);
        assert_eq!(Major::parse("9"), None);
    }

    #[test]
    fn the_data_loads_and_answers() {
        let c = catalog();
        assert_eq!(c.covered.first(), Some(&m("9.6")));
        assert_eq!(c.covered.last(), Some(&m("18")));
        let activity = c.relation("pg_stat_activity").unwrap();
        let waiting = activity.column("waiting").unwrap();
        assert!(!c.covered.iter().any(|&v| waiting.life().exists_in(v)));
        assert!(
            activity
                .column("backend_type")
                .unwrap()
                .life()
                .exists_in(m("10"))
        );
        assert!(
            !activity
                .column("backend_type")
                .unwrap()
                .life()
                .exists_in(m("9.6"))
        );
        assert!(
            c.relation("pg_stat_checkpointer")
                .unwrap()
                .life()
                .exists_in(m("17"))
        );
        assert!(
            !c.relation("pg_stat_checkpointer")
                .unwrap()
                .life()
                .exists_in(m("16"))
        );
        let xlog = c.function("pg_current_xlog_location").unwrap();
        assert!(xlog.life().exists_in(m("9.6")) && !xlog.life().exists_in(m("10")));
        assert!(c.is_column_anywhere("sync_state"));
        assert!(!c.is_column_anywhere("lag"));
        let holders: Vec<&str> = c
            .relations_with_column("sync_state")
            .map(|(r, _)| r.name.as_str())
            .collect();
        assert_eq!(holders, ["pg_stat_replication"]);
    }
}
