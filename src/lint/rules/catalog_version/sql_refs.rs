//! What a piece of SQL reads by name: the relations of its FROM and JOIN
//! clauses, the columns it names, the functions it calls, with byte ranges.
//!
//! Built on `shell::sql` (statements, words, calls; comments, string
//! literals, dollar quotes and psql meta-commands already skipped); the
//! punctuation between two words (`::`, `(`, `,`, `.`) is read here. No
//! grammar: the resolution is deliberately narrow so that what it reports
//! is right.
//!
//! - `q.col`: `q` is looked up among the statement's FROM/JOIN items, by
//!   alias or by name; a column is reported only when `q` names exactly one
//!   relation of the statement.
//! - An unqualified word is reported as a column only in a `SELECT` (or
//!   `WITH … SELECT`) whose one and only FROM item is a plain relation, and
//!   only when it is no keyword, no function call, no type (after `::`), no
//!   alias the statement defines (`AS x`, an output name without `AS`, a
//!   table alias, a CTE name or column list), no psql variable (`:v`), no
//!   named argument (`name => v`).

use crate::shell::sql::{Statement, statements};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

/// One name the SQL reads. Names are lower-cased (unquoted identifiers fold
/// to lower case); ranges are byte ranges of the name in the SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    /// A relation in FROM or JOIN, unqualified or in `pg_catalog` (or an
    /// extension's `pg_stat_statements*` in any schema).
    Relation { name: String, range: Range<usize> },
    /// A column of `relation`: `q.column` where `q` is `relation` or its
    /// alias (`qualified`), or a bare name in a SELECT from `relation` alone.
    Column {
        relation: String,
        column: String,
        qualified: bool,
        range: Range<usize>,
    },
    /// A function called.
    Call { name: String, range: Range<usize> },
}

impl Ref {
    pub fn range(&self) -> &Range<usize> {
        match self {
            Ref::Relation { range, .. } | Ref::Column { range, .. } | Ref::Call { range, .. } => {
                range
            }
        }
    }
}

/// What qualifies a word: nothing, a plain name (`r` in `r.pid`), or
/// something else (`"R".pid`, `(f()).x`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Qual {
    None,
    Name(String),
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A word of `shell::sql`: upper-cased last part, range, qualifier.
    Word {
        up: String,
        range: Range<usize>,
        qual: Qual,
    },
    Punct(u8),
    /// `::`
    Cast,
    /// `=>` or `:=`: a named argument.
    Arrow,
    /// A string, number or dollar-quoted literal.
    Lit,
    /// A double-quoted identifier.
    Quoted,
    /// `$1`, a shell `$VAR` left in the SQL.
    Opaque,
}

/// Every relation, column and call `sql` names.
pub fn refs(sql: &str) -> Vec<Ref> {
    let mut out = Vec::new();
    for s in statements(sql) {
        let toks = tokens(sql, &s);
        Resolver::new(&s, &toks).emit(&mut out);
    }
    out
}

/// The statement's words with the punctuation between them.
fn tokens(sql: &str, s: &Statement) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut prev_end: Option<usize> = None;
    for (up, r) in &s.words {
        if let Some(p) = prev_end.filter(|p| *p <= r.start) {
            gap(sql, p, r.start, false, &mut out);
        }
        out.push(Tok::Word {
            up: up.clone(),
            range: r.clone(),
            qual: qualifier(sql, r),
        });
        prev_end = Some(r.end);
    }
    if let Some(p) = prev_end {
        gap(sql, p, sql.len(), true, &mut out);
    }
    out
}

/// The qualifier of the word at `r`: the identifier before its dot.
fn qualifier(sql: &str, r: &Range<usize>) -> Qual {
    let b = sql.as_bytes();
    if r.start == 0 || b[r.start - 1] != b'.' {
        return Qual::None;
    }
    let dot = r.start - 1;
    let mut t = dot;
    while t > 0 && (b[t - 1].is_ascii_alphanumeric() || b[t - 1] == b'_' || b[t - 1] == b'.') {
        t -= 1;
    }
    let prefix = &sql[t..dot];
    let last = prefix.rsplit('.').next().unwrap_or("");
    let starts_ok = last
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    let quoted_before = t > 0 && b[t - 1] == b'"';
    if starts_ok && !quoted_before && !prefix.starts_with(|c: char| c.is_ascii_digit()) {
        Qual::Name(last.to_ascii_lowercase())
    } else {
        Qual::Other
    }
}

/// Tokens of `sql[from..to]`, which holds no word of `shell::sql`. With
/// `trailing`, stop at the end of the statement (`;`, `\g…`) or a word.
fn gap(sql: &str, from: usize, to: usize, trailing: bool, out: &mut Vec<Tok>) {
    let b = sql.as_bytes();
    let mut i = from;
    while i < to {
        let c = b[i];
        match c {
            _ if c.is_ascii_whitespace() => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(to, |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(to, |n| i + 2 + n + 2);
            }
            b'\'' | b'"' => {
                i = skip_quoted(b, i, c);
                out.push(if c == b'"' { Tok::Quoted } else { Tok::Lit });
            }
            b'$' => {
                let tag_end = sql[i + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e)
                        if b[e] == b'$'
                            && !sql[i + 1..e].starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        let tag = &sql[i..=e];
                        i = sql[e + 1..].find(tag).map_or(to, |n| e + 1 + n + tag.len());
                        out.push(Tok::Lit);
                    }
                    _ => {
                        i += 1 + sql[i + 1..]
                            .find(|c: char| {
                                !(c.is_ascii_alphanumeric() || c == '_' || c == '{' || c == '}')
                            })
                            .unwrap_or(sql.len() - i - 1);
                        out.push(Tok::Opaque);
                    }
                }
            }
            b'\\' => {
                if trailing && sql[i..].starts_with("\\g") {
                    return;
                }
                i = sql[i..].find('\n').map_or(to, |n| i + n);
            }
            b';' if trailing => return,
            b':' if b.get(i + 1) == Some(&b':') => {
                out.push(Tok::Cast);
                i += 2;
            }
            b':' | b'=' if b.get(i + 1) == Some(if c == b':' { &b'=' } else { &b'>' }) => {
                out.push(Tok::Arrow);
                i += 2;
            }
            _ if c.is_ascii_digit() => {
                while i < to && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Lit);
            }
            _ if trailing && (c.is_ascii_alphabetic() || c == b'_') => return,
            // The qualifier of the next word (`r.` of `r.pid`): part of it.
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < to && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                    i += 1;
                }
            }
            _ if c.is_ascii_punctuation() => {
                out.push(Tok::Punct(c));
                i += 1;
            }
            _ => i += 1,
        }
    }
}

fn skip_quoted(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// One item of a FROM list or a JOIN.
#[derive(Debug)]
struct Item {
    /// Lower-case name of a relation or of a function in FROM; `None` for a
    /// subquery or anything unreadable.
    name: Option<String>,
    /// Unqualified or `pg_catalog.`: may be a system catalog.
    catalog: bool,
    alias: Option<String>,
    /// Token index of the name.
    at: Option<usize>,
    /// A function in FROM (`pg_control_checkpoint()`).
    function: bool,
}

struct Resolver<'a> {
    s: &'a Statement,
    toks: &'a [Tok],
    /// For each `(`, the index of its `)` (or the end).
    close: Vec<usize>,
    /// For each token, the innermost open `(` around it.
    inside: Vec<Option<usize>>,
    items: Vec<Item>,
    /// Names the statement defines: aliases, output names, CTEs.
    defined: HashSet<String>,
    /// Its CTEs' names.
    ctes: HashSet<String>,
    calls: HashSet<usize>,
}

impl<'a> Resolver<'a> {
    fn new(s: &'a Statement, toks: &'a [Tok]) -> Self {
        let mut close = vec![toks.len(); toks.len()];
        let mut inside = vec![None; toks.len()];
        let mut stack: Vec<usize> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            inside[i] = stack.last().copied();
            match t {
                Tok::Punct(b'(') => stack.push(i),
                Tok::Punct(b')') => {
                    if let Some(open) = stack.pop() {
                        close[open] = i;
                    }
                }
                _ => {}
            }
        }
        let mut r = Resolver {
            s,
            toks,
            close,
            inside,
            items: Vec::new(),
            defined: HashSet::new(),
            ctes: HashSet::new(),
            calls: s.calls.iter().map(|(_, r)| r.start).collect(),
        };
        r.collect_definitions();
        r.collect_items();
        r
    }

    fn word(&self, i: usize) -> Option<(&str, &Range<usize>, &Qual)> {
        match self.toks.get(i) {
            Some(Tok::Word { up, range, qual }) => Some((up.as_str(), range, qual)),
            _ => None,
        }
    }

    fn is_word(&self, i: usize, w: &str) -> bool {
        self.word(i).is_some_and(|(up, _, _)| up == w)
    }

    fn is_punct(&self, i: usize, c: u8) -> bool {
        self.toks.get(i) == Some(&Tok::Punct(c))
    }

    /// A plain name: a word that is no keyword and not qualified.
    fn name_at(&self, i: usize) -> Option<String> {
        self.word(i)
            .filter(|(up, _, q)| !up.is_empty() && !is_keyword(up) && **q == Qual::None)
            .map(|(up, _, _)| up.to_ascii_lowercase())
    }

    /// Names inside the parentheses opening at `open` (a column list).
    fn names_in(&self, open: usize) -> Vec<String> {
        (open + 1..self.close[open])
            .filter_map(|i| self.name_at(i))
            .collect()
    }

    /// `AS x`, `AS t(a, b)`, CTE names and their column lists, output names
    /// written without `AS`.
    fn collect_definitions(&mut self) {
        for i in 0..self.toks.len() {
            // `WITH x AS (`, `, y(a, b) AS MATERIALIZED (`
            let after_list = |j: usize| {
                if self.is_punct(j, b'(') {
                    self.close[j] + 1
                } else {
                    j
                }
            };
            if let Some(name) = self.name_at(i) {
                let prev_ok = i > 0
                    && (self.is_word(i - 1, "WITH")
                        || self.is_word(i - 1, "RECURSIVE")
                        || self.is_punct(i - 1, b','));
                let j = after_list(i + 1);
                if prev_ok && self.is_word(j, "AS") {
                    let mut k = j + 1;
                    while self.is_word(k, "NOT") || self.is_word(k, "MATERIALIZED") {
                        k += 1;
                    }
                    if self.is_punct(k, b'(') {
                        self.ctes.insert(name.clone());
                        self.defined.insert(name);
                        if self.is_punct(i + 1, b'(') {
                            let cols = self.names_in(i + 1);
                            self.defined.extend(cols);
                        }
                        continue;
                    }
                }
                if self.implicit_alias(i) {
                    self.defined.insert(name);
                }
            }
            if self.is_word(i, "AS")
                && let Some(alias) = self
                    .word(i + 1)
                    .filter(|(up, _, q)| !up.is_empty() && **q == Qual::None)
                    .map(|(up, _, _)| up.to_ascii_lowercase())
            {
                self.defined.insert(alias);
                if self.is_punct(i + 2, b'(') {
                    let cols = self.names_in(i + 2);
                    self.defined.extend(cols);
                }
            }
        }
    }

    /// Is the word at `i` an output or table name written without `AS`
    /// (`count(*) active`, `now() - t lag`, `pg_stat_replication r`)?
    fn implicit_alias(&self, i: usize) -> bool {
        let Some(prev) = i.checked_sub(1).and_then(|p| self.toks.get(p)) else {
            return false;
        };
        match prev {
            Tok::Punct(b')') | Tok::Lit | Tok::Quoted | Tok::Opaque => true,
            // A value, or a type after `::` (`x::text lag`).
            Tok::Word { up, .. } => {
                !is_keyword(up)
                    || matches!(up.as_str(), "END" | "NULL" | "TRUE" | "FALSE")
                    || (i >= 2 && self.toks[i - 2] == Tok::Cast)
            }
            _ => false,
        }
    }

    /// Is the FROM at `i` the start of a FROM list (not `EXTRACT(x FROM y)`,
    /// `IS DISTINCT FROM`)?
    fn starts_from_list(&self, i: usize) -> bool {
        if i > 0 && self.is_word(i - 1, "DISTINCT") {
            return false;
        }
        let Some(open) = self.inside[i] else {
            return true;
        };
        match open.checked_sub(1).and_then(|p| self.word(p)) {
            Some((up, range, _)) => {
                !(matches!(
                    up,
                    "EXTRACT" | "SUBSTRING" | "TRIM" | "OVERLAY" | "POSITION"
                ) || (!is_keyword(up) && self.calls.contains(&range.start)))
            }
            None => true,
        }
    }

    fn collect_items(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            let from = self.is_word(i, "FROM") && self.starts_from_list(i);
            if from || self.is_word(i, "JOIN") {
                let mut j = i + 1;
                loop {
                    let (item, end) = self.item(j);
                    self.items.push(item);
                    if from && self.is_punct(end, b',') && end > j {
                        j = end + 1;
                    } else {
                        break;
                    }
                }
            }
            i += 1;
        }
    }

    /// The FROM item starting at token `j`, and the index after it.
    fn item(&self, mut j: usize) -> (Item, usize) {
        while self.is_word(j, "ONLY") || self.is_word(j, "LATERAL") {
            j += 1;
        }
        let mut item = Item {
            name: None,
            catalog: false,
            alias: None,
            at: None,
            function: false,
        };
        let mut end = j;
        match self.toks.get(j) {
            Some(Tok::Word { up, qual, .. }) if !up.is_empty() && !is_keyword(up) => {
                let name = up.to_ascii_lowercase();
                item.catalog = match qual {
                    Qual::None => true,
                    Qual::Name(schema) => {
                        schema == "pg_catalog" || name.starts_with("pg_stat_statements")
                    }
                    Qual::Other => false,
                };
                item.at = Some(j);
                if self.is_punct(j + 1, b'(') {
                    item.function = true;
                    end = self.close[j + 1] + 1;
                } else {
                    end = j + 1;
                }
                item.name = Some(name);
            }
            Some(Tok::Punct(b'(')) => end = self.close[j] + 1,
            Some(Tok::Quoted | Tok::Opaque) => end = j + 1,
            Some(Tok::Punct(b':')) => end = j + 2,
            _ => {}
        }
        if self.is_word(end, "AS") {
            item.alias = self.word(end + 1).map(|(up, _, _)| up.to_ascii_lowercase());
            end += 2;
        } else if let Some(alias) = self.name_at(end) {
            item.alias = Some(alias);
            end += 1;
        }
        if self.is_punct(end, b'(') && (item.alias.is_some() || item.function) {
            end = self.close[end] + 1;
        }
        if item.name.as_ref().is_some_and(|n| self.ctes.contains(n)) {
            // `FROM cte`: the statement's own relation.
            item.catalog = false;
        }
        (item, end)
    }

    /// What each qualifier names: the item whose alias or name it is, or
    /// `None` when it could be items of different relations.
    fn qualifiers(&self) -> HashMap<&str, Option<&Item>> {
        let mut map: HashMap<&str, Option<&Item>> = HashMap::new();
        for item in &self.items {
            for key in [item.alias.as_deref(), item.name.as_deref()]
                .into_iter()
                .flatten()
            {
                map.entry(key)
                    .and_modify(|f| {
                        if f.is_some_and(|f| f.name != item.name || f.catalog != item.catalog) {
                            *f = None;
                        }
                    })
                    .or_insert(Some(item));
            }
        }
        map
    }

    fn emit(&self, out: &mut Vec<Ref>) {
        for (name, range) in &self.s.calls {
            out.push(Ref::Call {
                name: name.clone(),
                range: range.clone(),
            });
        }
        let item_words: HashSet<usize> = self.items.iter().filter_map(|i| i.at).collect();
        let qualifiers = self.qualifiers();
        // The relation `q` names: a catalog item's, when `q` is unambiguous.
        let resolve = |q: &str| {
            qualifiers
                .get(q)
                .copied()
                .flatten()
                .filter(|f| f.catalog)
                .and_then(|f| f.name.as_deref())
        };
        for item in &self.items {
            if let (Some(name), Some(at), true, false) =
                (&item.name, item.at, item.catalog, item.function)
                && let Some((_, range, _)) = self.word(at)
            {
                out.push(Ref::Relation {
                    name: name.clone(),
                    range: range.clone(),
                });
            }
        }
        // The one relation an unqualified name can belong to.
        let only = match (self.s.keyword.as_str(), self.items.as_slice()) {
            ("SELECT" | "WITH", [item]) if item.catalog => item.name.as_deref(),
            _ => None,
        };
        for (i, t) in self.toks.iter().enumerate() {
            let Tok::Word { up, range, qual } = t else {
                continue;
            };
            // `EXTRACT(epoch FROM …)`: a field name.
            let extract_field =
                i >= 2 && self.is_punct(i - 1, b'(') && self.is_word(i - 2, "EXTRACT");
            if up.is_empty()
                || extract_field
                || item_words.contains(&i)
                || self.calls.contains(&range.start)
                || (i > 0 && matches!(self.toks[i - 1], Tok::Cast | Tok::Punct(b':')))
            {
                continue;
            }
            let column = up.to_ascii_lowercase();
            match qual {
                Qual::Name(q) => {
                    if let Some(relation) = resolve(q) {
                        out.push(Ref::Column {
                            relation: relation.to_string(),
                            column,
                            qualified: true,
                            range: range.clone(),
                        });
                    }
                }
                Qual::None => {
                    let Some(relation) = only else { continue };
                    if is_keyword(up)
                        || self.defined.contains(&column)
                        || self.implicit_alias(i)
                        || matches!(self.toks.get(i + 1), Some(Tok::Lit | Tok::Arrow))
                    {
                        continue;
                    }
                    out.push(Ref::Column {
                        relation: relation.to_string(),
                        column,
                        qualified: false,
                        range: range.clone(),
                    });
                }
                Qual::Other => {}
            }
        }
    }
}

/// PostgreSQL's keywords (src/include/parser/kwlist.h, all categories, 9.6
/// to 18), upper-case.
static KEYWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    "ABORT ABSENT ABSOLUTE ACCESS ACTION ADD ADMIN AFTER AGGREGATE ALL ALSO ALTER ALWAYS
     ANALYSE ANALYZE AND ANY ARRAY AS ASC ASENSITIVE ASSERTION ASSIGNMENT ASYMMETRIC AT
     ATOMIC ATTACH ATTRIBUTE AUTHORIZATION BACKWARD BEFORE BEGIN BETWEEN BIGINT BINARY BIT
     BOOLEAN BOTH BREADTH BY CACHE CALL CALLED CASCADE CASCADED CASE CAST CATALOG CHAIN CHAR
     CHARACTER CHARACTERISTICS CHECK CHECKPOINT CLASS CLOSE CLUSTER COALESCE COLLATE
     COLLATION COLUMN COLUMNS COMMENT COMMENTS COMMIT COMMITTED COMPRESSION CONCURRENTLY
     CONDITIONAL CONFIGURATION CONFLICT CONNECTION CONSTRAINT CONSTRAINTS CONTENT CONTINUE
     CONVERSION COPY COST CREATE CROSS CSV CUBE CURRENT CURRENT_CATALOG CURRENT_DATE
     CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR CYCLE
     DATA DATABASE DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFAULTS DEFERRABLE DEFERRED
     DEFINER DELETE DELIMITER DELIMITERS DEPENDS DEPTH DESC DETACH DICTIONARY DISABLE
     DISCARD DISTINCT DO DOCUMENT DOMAIN DOUBLE DROP EACH ELSE EMPTY ENABLE ENCODING
     ENCRYPTED END ENFORCED ENUM ERROR ESCAPE EVENT EXCEPT EXCLUDE EXCLUDING EXCLUSIVE
     EXECUTE EXISTS EXPLAIN EXPRESSION EXTENSION EXTERNAL EXTRACT FALSE FAMILY FETCH FILTER
     FINALIZE FIRST FLOAT FOLLOWING FOR FORCE FOREIGN FORMAT FORWARD FREEZE FROM FULL
     FUNCTION FUNCTIONS GENERATED GLOBAL GRANT GRANTED GREATEST GROUP GROUPING GROUPS
     HANDLER HAVING HEADER HOLD HOUR IDENTITY IF ILIKE IMMEDIATE IMMUTABLE IMPLICIT IMPORT
     IN INCLUDE INCLUDING INCREMENT INDENT INDEX INDEXES INHERIT INHERITS INITIALLY INLINE
     INNER INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER INTERSECT INTERVAL INTO
     INVOKER IS ISNULL ISOLATION JOIN JSON JSON_ARRAY JSON_ARRAYAGG JSON_EXISTS JSON_OBJECT
     JSON_OBJECTAGG JSON_QUERY JSON_SCALAR JSON_SERIALIZE JSON_TABLE JSON_VALUE KEEP KEY
     KEYS LABEL LANGUAGE LARGE LAST LATERAL LEADING LEAKPROOF LEAST LEFT LEVEL LIKE LIMIT
     LISTEN LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATION LOCK LOCKED LOGGED MAPPING MATCH
     MATCHED MATERIALIZED MAXVALUE MERGE MERGE_ACTION METHOD MINUTE MINVALUE MODE MONTH MOVE
     NAME NAMES NATIONAL NATURAL NCHAR NESTED NEW NEXT NFC NFD NFKC NFKD NO NONE NORMALIZE
     NORMALIZED NOT NOTHING NOTIFY NOTNULL NOWAIT NULL NULLIF NULLS NUMERIC OBJECT OBJECTS
     OF OFF OFFSET OIDS OLD OMIT ON ONLY OPERATOR OPTION OPTIONS OR ORDER ORDINALITY OTHERS
     OUT OUTER OVER OVERLAPS OVERLAY OVERRIDING OWNED OWNER PARALLEL PARAMETER PARSER
     PARTIAL PARTITION PASSING PASSWORD PATH PERIOD PLACING PLAN PLANS POLICY POSITION
     PRECEDING PRECISION PREPARE PREPARED PRESERVE PRIMARY PRIOR PRIVILEGES PROCEDURAL
     PROCEDURE PROCEDURES PROGRAM PUBLICATION QUOTE QUOTES RANGE READ REAL REASSIGN RECHECK
     RECURSIVE REF REFERENCES REFERENCING REFRESH REINDEX RELATIVE RELEASE RENAME REPEATABLE
     REPLACE REPLICA RESET RESTART RESTRICT RETURN RETURNING RETURNS REVOKE RIGHT ROLE
     ROLLBACK ROLLUP ROUTINE ROUTINES ROW ROWS RULE SAVEPOINT SCALAR SCHEMA SCHEMAS SCROLL
     SEARCH SECOND SECURITY SELECT SEQUENCE SEQUENCES SERIALIZABLE SERVER SESSION
     SESSION_USER SET SETOF SETS SHARE SHOW SIMILAR SIMPLE SKIP SMALLINT SNAPSHOT SOME
     SOURCE SQL STABLE STANDALONE START STATEMENT STATISTICS STDIN STDOUT STORAGE STORED
     STRICT STRING STRIP SUBSCRIPTION SUBSTRING SUPPORT SYMMETRIC SYSID SYSTEM SYSTEM_USER
     TABLE TABLES TABLESAMPLE TABLESPACE TARGET TEMP TEMPLATE TEMPORARY TEXT THEN TIES TIME
     TIMESTAMP TO TRAILING TRANSACTION TRANSFORM TREAT TRIGGER TRIM TRUE TRUNCATE TRUSTED
     TYPE TYPES UESCAPE UNBOUNDED UNCOMMITTED UNCONDITIONAL UNENCRYPTED UNION UNIQUE
     UNKNOWN UNLISTEN UNLOGGED UNTIL UPDATE USER USING VACUUM VALID VALIDATE VALIDATOR VALUE
     VALUES VARCHAR VARIADIC VARYING VERBOSE VERSION VIEW VIEWS VIRTUAL VOLATILE WHEN WHERE
     WHITESPACE WINDOW WITH WITHIN WITHOUT WORK WRAPPER WRITE XML XMLATTRIBUTES XMLCONCAT
     XMLELEMENT XMLEXISTS XMLFOREST XMLNAMESPACES XMLPARSE XMLPI XMLROOT XMLSERIALIZE
     XMLTABLE YEAR YES ZONE"
        .split_whitespace()
        .collect()
});

fn is_keyword(up: &str) -> bool {
    KEYWORDS.contains(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (kind, relation or name, column, text at the range)
    fn show(sql: &str) -> Vec<String> {
        refs(sql)
            .into_iter()
            .map(|r| match &r {
                Ref::Relation { name, range } => format!("rel {name} @{}", &sql[range.clone()]),
                Ref::Column {
                    relation,
                    column,
                    qualified,
                    range,
                } => format!(
                    "col {relation}.{column}{} @{}",
                    if *qualified { " q" } else { "" },
                    &sql[range.clone()]
                ),
                Ref::Call { name, range } => format!("call {name} @{}", &sql[range.clone()]),
            })
            .collect()
    }

    fn columns(sql: &str) -> Vec<String> {
        show(sql)
            .into_iter()
            .filter(|s| s.starts_with("col "))
            .collect()
    }

    #[test]
    fn aliases_resolve_qualified_columns() {
        let sql = "SELECT r.sent_location, a.pid FROM pg_stat_replication r JOIN pg_stat_activity AS a ON a.pid = r.pid";
        assert_eq!(
            columns(sql),
            [
                "col pg_stat_replication.sent_location q @sent_location",
                "col pg_stat_activity.pid q @pid",
                "col pg_stat_activity.pid q @pid",
                "col pg_stat_replication.pid q @pid",
            ]
        );
        assert!(show(sql).contains(&"rel pg_stat_replication @pg_stat_replication".to_string()));
    }

    #[test]
    fn unqualified_only_with_one_relation() {
        assert_eq!(
            columns("SELECT sync_state, count(*) AS n FROM pg_stat_activity WHERE state = 'x'"),
            [
                "col pg_stat_activity.sync_state @sync_state",
                "col pg_stat_activity.state @state"
            ]
        );
        // Two relations: bare names are not guessed.
        assert!(columns("SELECT pid FROM pg_stat_activity, pg_locks").is_empty());
        assert!(
            columns("SELECT pid FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks)")
                .is_empty()
        );
        // Not a SELECT.
        assert!(columns("DELETE FROM pg_stat_activity WHERE waiting").is_empty());
    }

    #[test]
    fn names_the_statement_defines_are_not_columns() {
        assert!(
            columns(
                "SELECT now() - backend_start AS waiting FROM pg_stat_activity ORDER BY waiting"
            )
            .iter()
            .all(|c| !c.contains("waiting"))
        );
        assert!(
            columns("SELECT count(*) active FROM pg_stat_activity")
                .iter()
                .all(|c| !c.contains("active"))
        );
        // A CTE: two relations, and its name and columns are its own.
        assert!(columns("WITH s(sync_state) AS (SELECT 1) SELECT sync_state FROM s").is_empty());
    }

    #[test]
    fn casts_literals_calls_and_psql_variables_are_not_columns() {
        let sql = "SELECT pg_wal_lsn_diff(sent_lsn, '0/0'::pg_lsn), 'sync_state', :slot_name, \
                   x::text FROM pg_stat_replication -- sync_state\n\\x on\n";
        assert_eq!(
            columns(sql),
            [
                "col pg_stat_replication.sent_lsn @sent_lsn",
                "col pg_stat_replication.x @x"
            ]
        );
        assert!(show(sql).contains(&"call pg_wal_lsn_diff @pg_wal_lsn_diff".to_string()));
    }

    #[test]
    fn from_inside_a_function_is_no_from_list() {
        let sql = "SELECT extract(epoch FROM now() - backend_start) FROM pg_stat_activity";
        assert_eq!(
            columns(sql),
            ["col pg_stat_activity.backend_start @backend_start"]
        );
        let sql = "SELECT a IS DISTINCT FROM b FROM pg_stat_activity";
        assert_eq!(columns(sql).len(), 2);
    }

    #[test]
    fn qualifiers_that_name_nothing_or_are_quoted_are_left_alone() {
        assert!(columns("SELECT x.pid FROM pg_stat_activity a").is_empty());
        assert!(columns("SELECT \"a\".waiting FROM pg_stat_activity a").is_empty());
        assert!(columns("SELECT (pg_control_checkpoint()).redo_location").is_empty());
        // One alias for two relations.
        assert!(
            columns("SELECT a.pid FROM pg_stat_activity a WHERE EXISTS (SELECT 1 FROM pg_locks a)")
                .is_empty()
        );
        // A schema other than pg_catalog is someone's own view.
        assert!(columns("SELECT v.waiting FROM monitoring.pg_stat_activity v").is_empty());
        assert_eq!(
            columns("SELECT v.waiting FROM pg_catalog.pg_stat_activity v"),
            ["col pg_stat_activity.waiting q @waiting"]
        );
    }

    #[test]
    fn functions_in_from_are_relations_of_their_output() {
        assert_eq!(
            columns("SELECT checkpoint_location FROM pg_control_checkpoint()"),
            ["col pg_control_checkpoint.checkpoint_location @checkpoint_location"]
        );
    }
}
