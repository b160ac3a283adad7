//! Just enough of SQL to say what a statement does: its leading keyword and
//! the functions it calls, with byte ranges, skipping comments, string
//! literals, dollar-quoted bodies and psql meta-commands (`\x`, `\gset`).
//!
//! A full SQL parser (sqlparser-rs) was tried in thought and rejected: the
//! SQL in runbooks is psql input — meta-commands, `:'var'` interpolation,
//! shell `$VARS` in unquoted heredocs — which a grammar for SQL proper
//! rejects, while classifying a statement needs only its first keyword.

use std::ops::Range;

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Upper-cased leading keyword (`DROP`), after `BEGIN`/`EXPLAIN`-like
    /// prefixes are looked through; with its range in the text.
    pub keyword: String,
    pub keyword_range: Range<usize>,
    /// Upper-cased words in order, with ranges (identifiers and keywords).
    pub words: Vec<(String, Range<usize>)>,
    /// Functions called: lower-cased name and range.
    pub calls: Vec<(String, Range<usize>)>,
}

impl Statement {
    /// Does the statement write (DDL, DML, privileges, maintenance)?
    pub fn writes(&self) -> bool {
        match self.keyword.as_str() {
            "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TRUNCATE" | "DROP" | "ALTER" | "CREATE"
            | "GRANT" | "REVOKE" | "VACUUM" | "REINDEX" | "CLUSTER" | "REFRESH" | "COMMENT"
            | "SECURITY" | "REASSIGN" | "IMPORT" | "LOCK" | "CALL" | "DO" | "CHECKPOINT"
            | "SELECT_INTO" => true,
            "COPY" => self.words.iter().any(|(w, _)| w == "FROM"),
            "WITH" => self
                .words
                .iter()
                .skip(1)
                .any(|(w, _)| matches!(w.as_str(), "INSERT" | "UPDATE" | "DELETE" | "MERGE")),
            _ => false,
        }
    }

    /// Does the statement destroy data (DROP, TRUNCATE, DELETE)?
    pub fn destroys(&self) -> bool {
        matches!(self.keyword.as_str(), "DROP" | "TRUNCATE" | "DELETE")
            // `ALTER TABLE t DROP COLUMN c` throws data away too.
            || (self.keyword == "ALTER" && self.words.iter().any(|(w, _)| w == "DROP"))
    }
}

impl Statement {
    /// The table a `CREATE TEMP TABLE` makes (upper-cased), if this is one.
    pub fn creates_temp_table(&self) -> Option<&str> {
        let w: Vec<&str> = self.words.iter().map(|(w, _)| w.as_str()).collect();
        if w.first() != Some(&"CREATE") {
            return None;
        }
        let mut i = 1;
        if matches!(w.get(i), Some(&"GLOBAL" | &"LOCAL")) {
            i += 1;
        }
        if !matches!(w.get(i), Some(&"TEMP" | &"TEMPORARY")) {
            return None;
        }
        i += 1;
        if w.get(i) != Some(&"TABLE") {
            return None;
        }
        i += 1;
        if w.get(i..i + 3) == Some(&["IF", "NOT", "EXISTS"]) {
            i += 3;
        }
        w.get(i).copied()
    }

    /// The tables a `DROP TABLE`, `TRUNCATE`, `DELETE`, `INSERT` or
    /// `UPDATE` acts on (upper-cased); empty for anything else.
    pub fn tables_acted_on(&self) -> Vec<&str> {
        let w: Vec<&str> = self.words.iter().map(|(w, _)| w.as_str()).collect();
        let names = |from: usize, stop: &[&str]| -> Vec<&str> {
            w.iter()
                .skip(from)
                .take_while(|x| !stop.contains(x))
                .copied()
                .collect()
        };
        match w.first().copied() {
            Some("DROP") if w.get(1) == Some(&"TABLE") => {
                let from = if w.get(2..4) == Some(&["IF", "EXISTS"]) {
                    4
                } else {
                    2
                };
                names(from, &["CASCADE", "RESTRICT"])
            }
            Some("TRUNCATE") => {
                let from = 1 + w[1..]
                    .iter()
                    .take_while(|x| matches!(**x, "TABLE" | "ONLY"))
                    .count();
                names(from, &["RESTART", "CONTINUE", "CASCADE", "RESTRICT"])
            }
            Some("DELETE") if w.get(1) == Some(&"FROM") => w.get(2).copied().into_iter().collect(),
            Some("INSERT") if w.get(1) == Some(&"INTO") => w.get(2).copied().into_iter().collect(),
            Some("UPDATE") => w.get(1).copied().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Statements that touch only temporary tables the same SQL created before
/// them (`CREATE TEMP TABLE canary …; INSERT …; DROP TABLE canary`): they
/// last as long as the session, so they neither change nor destroy the
/// server's state. Returned as a mask over `statements`.
pub fn session_local(statements: &[Statement]) -> Vec<bool> {
    let mut temps: Vec<&str> = Vec::new();
    statements
        .iter()
        .map(|s| {
            if let Some(t) = s.creates_temp_table() {
                temps.push(t);
                return true;
            }
            let tables = s.tables_acted_on();
            !tables.is_empty() && tables.iter().all(|t| temps.contains(t))
        })
        .collect()
}

/// Functions whose call changes the server's state (and the one that promotes).
pub const STATE_CHANGING_FUNCTIONS: &[&str] = &[
    "pg_promote",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_switch_wal",
    "pg_rotate_logfile",
    "pg_create_physical_replication_slot",
    "pg_create_logical_replication_slot",
    "pg_drop_replication_slot",
    "pg_replication_slot_advance",
    "pg_wal_replay_pause",
    "pg_wal_replay_resume",
    "pg_create_restore_point",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_start_backup",
    "pg_stop_backup",
    "setval",
    "nextval",
    "set_config",
    "pg_advisory_lock",
];

/// Split `sql` into statements.
pub fn statements(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<(String, Range<usize>)> = Vec::new();
    let mut calls = Vec::new();
    // String literals of the current statement (contents), for `\gexec`.
    let mut strings: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    let flush = |words: &mut Vec<(String, Range<usize>)>,
                 calls: &mut Vec<(String, Range<usize>)>,
                 out: &mut Vec<Statement>| {
        if let Some(s) = statement(std::mem::take(words), std::mem::take(calls)) {
            out.push(s);
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            // psql meta-command: to the end of the line. `\g…` ends a
            // statement; `\gexec` then runs every row of its result as SQL,
            // so the statements spelled in its string literals are run too.
            let end = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            if sql[i..end].starts_with("\\gexec") {
                for r in std::mem::take(&mut strings) {
                    // Only literals that read as statements: `'tmp_%'` is data.
                    for mut s in statements(&sql[r.clone()])
                        .into_iter()
                        .filter(|s| s.writes() || !s.calls.is_empty())
                    {
                        let shift = |x: &mut Range<usize>| *x = x.start + r.start..x.end + r.start;
                        shift(&mut s.keyword_range);
                        s.words.iter_mut().for_each(|(_, x)| shift(x));
                        s.calls.iter_mut().for_each(|(_, x)| shift(x));
                        out.push(s);
                    }
                }
            }
            if sql[i..end].starts_with("\\g") {
                flush(&mut words, &mut calls, &mut out);
                strings.clear();
            }
            i = end;
            continue;
        }
        match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'\'' => {
                let end = skip_quoted(bytes, i, b'\'');
                // Without its closing quote (cut short) the literal runs to the end.
                let closed = end > i + 1 && bytes[end - 1] == b'\'';
                strings.push(i + 1..if closed { end - 1 } else { end });
                i = end;
            }
            b'"' => i = skip_quoted(bytes, i, b'"'),
            b'$' => {
                // $tag$ … $tag$ (dollar quoting); `$1` or a shell `$VAR` otherwise.
                let tag_end = sql[i + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(e)
                        if bytes[e] == b'$'
                            && !sql[i + 1..e].starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        let tag = &sql[i..=e];
                        i = sql[e + 1..]
                            .find(tag)
                            .map_or(bytes.len(), |n| e + 1 + n + tag.len());
                    }
                    _ => {
                        i += 1 + sql[i + 1..]
                            .find(|c: char| {
                                !(c.is_ascii_alphanumeric() || c == '_' || c == '{' || c == '}')
                            })
                            .unwrap_or(sql.len() - i - 1)
                    }
                }
            }
            b';' => {
                flush(&mut words, &mut calls, &mut out);
                strings.clear();
                i += 1;
            }
            b'(' => {
                if let Some((w, r)) = words.last() {
                    if r.end == i || sql[r.end..i].trim().is_empty() {
                        calls.push((w.to_lowercase(), r.clone()));
                    }
                }
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = sql[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .map_or(bytes.len(), |n| i + n);
                // `pg_catalog.pg_promote` calls pg_promote.
                let word = &sql[i..end];
                let (name, at) = match word.rfind('.') {
                    Some(dot) => (&word[dot + 1..], i + dot + 1),
                    None => (word, i),
                };
                words.push((name.to_ascii_uppercase(), at..end));
                i = end;
            }
            _ => i += 1,
        }
    }
    flush(&mut words, &mut calls, &mut out);
    out
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

fn statement(
    words: Vec<(String, Range<usize>)>,
    calls: Vec<(String, Range<usize>)>,
) -> Option<Statement> {
    // Look through transaction control and EXPLAIN to the statement itself.
    let skip = words.iter().position(|(w, _)| {
        !matches!(
            w.as_str(),
            "BEGIN"
                | "START"
                | "TRANSACTION"
                | "COMMIT"
                | "END"
                | "ROLLBACK"
                | "EXPLAIN"
                | "ANALYZE"
                | "VERBOSE"
        )
    })?;
    let (mut keyword, mut keyword_range) = words[skip].clone();
    // `WITH d AS (DELETE …)`: the statement is what the CTE does.
    if keyword == "WITH" {
        if let Some((w, r)) = words[skip + 1..]
            .iter()
            .find(|(w, _)| matches!(w.as_str(), "INSERT" | "UPDATE" | "DELETE" | "MERGE"))
        {
            keyword = w.clone();
            keyword_range = r.clone();
        }
    }
    // `SELECT … INTO new_table` creates a table.
    let keyword = if keyword == "SELECT" && words.iter().any(|(w, _)| w == "INTO") {
        "SELECT_INTO".to_string()
    } else {
        keyword
    };
    Some(Statement {
        keyword,
        keyword_range,
        words,
        calls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_calls_skip_comments_and_literals() {
        let sql = "-- DROP TABLE x;\nSELECT 'DELETE FROM y', pg_catalog.pg_promote(true);\n\\x on\nBEGIN; DELETE FROM t WHERE id = 1; COMMIT;";
        let s = statements(sql);
        let kinds: Vec<_> = s.iter().map(|s| s.keyword.as_str()).collect();
        assert_eq!(kinds, ["SELECT", "DELETE"]);
        assert_eq!(&sql[s[0].calls[0].1.clone()], "pg_promote");
        assert!(s[1].destroys() && s[1].writes() && !s[0].writes());
        assert_eq!(&sql[s[1].keyword_range.clone()], "DELETE");
    }

    #[test]
    fn gexec_runs_the_statements_its_query_spells() {
        let sql = "SELECT format('DROP TABLE %I', tablename) FROM pg_tables WHERE tablename LIKE 'tmp_%' \\gexec\n";
        let s = statements(sql);
        let kinds: Vec<_> = s.iter().map(|s| s.keyword.as_str()).collect();
        assert_eq!(kinds, ["DROP", "SELECT"]);
        assert_eq!(&sql[s[0].keyword_range.clone()], "DROP");
        // Without \gexec a string is only a string.
        assert_eq!(statements("SELECT 'DROP TABLE t';")[0].keyword, "SELECT");
    }

    #[test]
    fn an_unclosed_literal_before_gexec_does_not_panic() {
        let _ = statements("SELECT 'DROP TABLE é \\gexec");
    }

    #[test]
    fn dollar_quotes_and_shell_variables() {
        let s = statements("DO $$ BEGIN DROP TABLE t; END $$; SELECT * FROM $KEY_TABLE;");
        let kinds: Vec<_> = s.iter().map(|s| s.keyword.as_str()).collect();
        assert_eq!(kinds, ["DO", "SELECT"]);
    }
}

#[cfg(test)]
mod session_local_tests {
    use super::*;

    fn mask(sql: &str) -> Vec<bool> {
        session_local(&statements(sql))
    }

    #[test]
    fn statements_on_a_temp_table_of_the_same_session_are_local() {
        assert_eq!(
            mask(
                "CREATE TEMP TABLE canary (t timestamptz); INSERT INTO canary VALUES (now()); SELECT * FROM canary; DROP TABLE canary;"
            ),
            [true, true, false, true]
        );
        assert_eq!(
            mask(
                "create temporary table if not exists c(x int); truncate table c; drop table if exists c cascade"
            ),
            [true, true, true]
        );
    }

    #[test]
    fn a_real_table_or_one_created_later_is_not() {
        // Dropped before it was created as TEMP: the DROP hits a real table.
        assert_eq!(
            mask("DROP TABLE canary; CREATE TEMP TABLE canary (x int);"),
            [false, true]
        );
        // One of the two tables is real.
        assert_eq!(
            mask("CREATE TEMP TABLE a (x int); DROP TABLE a, orders;"),
            [true, false]
        );
        assert_eq!(
            mask("CREATE TABLE canary (x int); DROP TABLE canary;"),
            [false, false]
        );
    }
}
