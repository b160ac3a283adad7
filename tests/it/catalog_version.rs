//! RB026 `catalog-version`: SQL reading system views, columns and functions
//! that an environment's PostgreSQL major lacks, reported once per position
//! with the environments named; and the catalog data it reads
//! (src/lint/data/pg_catalog.toml) held against dumps of real servers.

use crate::common::*;
use rbgen::lint::rules::catalog_version::catalog::{Major, catalog};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The mini spec with `lab` on PostgreSQL 16.4 (`postgresql`), a second
/// environment `old` on 9.6 (declared as `pg`), and a runbook reading the
/// catalogs.
fn two_majors() -> tempfile::TempDir {
    let project = mini_project(None);
    let envs = project.path().join("spec/environments");
    let lab = std::fs::read_to_string(envs.join("lab.toml")).unwrap()
        + "\n[functions.on_primary]\ndescription = \"psql on the primary\"\nbody = '''\npsql -X -h primary \"$@\"\n'''\n";
    let with = |tools: &str| lab.replace("[tools]\n", &format!("[tools]\n{tools}\n"));
    std::fs::write(envs.join("lab.toml"), with("postgresql = \"16.4\"")).unwrap();
    std::fs::write(
        envs.join("old.toml"),
        with("pg = \"9.6\"")
            .replace("id = \"lab\"", "id = \"old\"")
            .replace("title = \"Lab\"", "title = \"Old\""),
    )
    .unwrap();
    std::fs::write(
        project.path().join("spec/runbooks/catalog.toml"),
        r#"id = "catalog"
title = "Catalog reads"
version = "1.0.0"
last_reviewed = 2026-11-01
owner = "dba"
trigger = "t"
rto = "1 min"
rpo = "0"

[[steps]]
id = "lag"
title = "Replication lag"
kind = "probe"
run = '''
psql -X -c "SELECT r.client_addr, r.sent_location FROM pg_stat_replication r"
psql -X <<'SQL'
SELECT application_name, replay_lag AS lag
  FROM pg_stat_replication;
SELECT num_timed FROM pg_stat_checkpointer;
SQL
echo "SELECT sync_state FROM pg_stat_activity" | psql -X
psql -X -c "SELECT lag, 'sent_location' AS note FROM pg_stat_replication"
on_primary -c "SELECT a.waiting FROM pg_stat_activity a"
on_primary <<'SQL'
SELECT pg_xlogfile_name(pg_current_wal_lsn());
SQL
'''
"#,
    )
    .unwrap();
    project
}

#[test]
fn findings_are_at_the_name_once_per_position_naming_the_environments() {
    let project = two_majors();
    let (code, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    assert_eq!(code, Some(1));
    let lines: Vec<String> = findings
        .iter()
        .filter(|f| f["code"] == "RB026")
        .map(finding_line)
        .collect();
    assert_eq!(
        lines,
        [
            // Renamed in 10: only the 16 environment.
            "spec/runbooks/catalog.toml:15:37: error: `pg_stat_replication.sent_location` does not exist in PostgreSQL 16 (renamed in 10 to sent_lsn); environment `lab` has 16.4 [RB026]",
            // New in 10: only the 9.6 environment.
            "spec/runbooks/catalog.toml:17:26: error: `pg_stat_replication.replay_lag` does not exist in PostgreSQL 9.6 (added in 10); environment `old` has 9.6 [RB026]",
            // Missing from both: one finding naming both.
            "spec/runbooks/catalog.toml:19:23: error: `pg_stat_checkpointer` does not exist in PostgreSQL 9.6 or 16 (added in 17); environments `lab` (16.4) and `old` (9.6) [RB026]",
            // The wrong view in every major: said once, without versions.
            "spec/runbooks/catalog.toml:21:14: error: `sync_state` is not a column of pg_stat_activity; it is a column of pg_stat_replication [RB026]",
            // Through an environment function: at the call's argument, at its heredoc.
            "spec/runbooks/catalog.toml:23:25: error: `pg_stat_activity.waiting` does not exist in PostgreSQL 9.6 or 16 (removed in 9.6); use wait_event_type, wait_event; environments `lab` (16.4) and `old` (9.6) [RB026]",
            "spec/runbooks/catalog.toml:25:8: error: `pg_xlogfile_name()` does not exist in PostgreSQL 16 (renamed in 10 to pg_walfile_name()); environment `lab` has 16.4 [RB026]",
            "spec/runbooks/catalog.toml:25:25: error: `pg_current_wal_lsn()` does not exist in PostgreSQL 9.6 (added in 10); environment `old` has 9.6 [RB026]",
        ]
    );
    let first = findings.iter().find(|f| f["code"] == "RB026").unwrap();
    assert_eq!(first["runbook"], "catalog");
    assert_eq!(first["step"], "lag");
}

#[test]
fn without_a_declared_postgresql_there_is_nothing_to_say() {
    let project = two_majors();
    let envs = project.path().join("spec/environments");
    for (file, line) in [
        ("lab.toml", "postgresql = \"16.4\"\n"),
        ("old.toml", "pg = \"9.6\"\n"),
    ] {
        let text = std::fs::read_to_string(envs.join(file)).unwrap();
        std::fs::write(envs.join(file), text.replace(line, "")).unwrap();
    }
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    assert!(
        !findings.iter().any(|f| f["code"] == "RB026"),
        "{findings:?}"
    );
}

/// The directory of catalog dumps (`tools/capture-pg-catalog` output, one
/// `<major>.json` per server): `$RBGEN_PG_CATALOG_CAPTURE` (CI points it at
/// a fresh dump of the lab's server), else the committed fixture.
fn capture_dir() -> PathBuf {
    std::env::var_os("RBGEN_PG_CATALOG_CAPTURE")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("pg-catalog"))
}

/// `150018` → 15, `90624` → 9.6.
fn major_of(server_version_num: u64) -> Major {
    let version = if server_version_num >= 100_000 {
        format!("{}", server_version_num / 10_000)
    } else {
        format!(
            "{}.{}",
            server_version_num / 10_000,
            server_version_num / 100 % 100
        )
    };
    Major::parse(&version).unwrap()
}

#[test]
fn the_catalog_data_agrees_with_real_servers() {
    let dir = capture_dir();
    let mut captures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    captures.sort();
    assert!(!captures.is_empty(), "no catalog dump in {}", dir.display());
    let cat = catalog();
    let mut problems = Vec::new();
    for path in &captures {
        let dump: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let major = major_of(
            dump["server_version_num"]
                .as_u64()
                .expect("server_version_num"),
        );
        assert!(
            cat.covers(major),
            "{name}: PostgreSQL {major} is not covered by the data"
        );
        let relations = dump["relations"].as_object().expect("relations");
        let functions = dump["functions"].as_object().expect("functions");
        // pg_stat_statements is an extension: its view and functions are
        // only there where CREATE EXTENSION ran before the dump.
        let extension = relations.contains_key("pg_stat_statements");
        let from_extension = |n: &str| n.starts_with("pg_stat_statements");
        for rel in &cat.relations {
            let exists = rel.life().exists_in(major);
            match relations.get(&rel.name) {
                None if !exists || (from_extension(&rel.name) && !extension) => {}
                None => problems.push(format!(
                    "{name}: {} exists in {major} by the data, not on the server",
                    rel.name
                )),
                Some(_) if !exists => problems.push(format!(
                    "{name}: {} is on the server, not in {major} by the data",
                    rel.name
                )),
                Some(cols) => {
                    let server: BTreeSet<&str> = cols
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c.as_str().unwrap())
                        .collect();
                    let data: BTreeSet<&str> = rel
                        .columns
                        .iter()
                        .filter(|c| c.life().exists_in(major))
                        .map(|c| c.name.as_str())
                        .collect();
                    if server != data {
                        problems.push(format!(
                            "{name}: {} columns: only on the server {:?}, only in the data {:?}",
                            rel.name,
                            server.difference(&data).collect::<Vec<_>>(),
                            data.difference(&server).collect::<Vec<_>>()
                        ));
                    }
                }
            }
        }
        for f in &cat.functions {
            let Some(on_server) = functions.get(&f.name).and_then(|v| v.as_bool()) else {
                problems.push(format!("{name}: function {} is not in the dump", f.name));
                continue;
            };
            if from_extension(&f.name) && !extension {
                continue;
            }
            if on_server != f.life().exists_in(major) {
                problems.push(format!(
                    "{name}: {}() is {} on the server, {} in {major} by the data",
                    f.name,
                    if on_server { "present" } else { "absent" },
                    if on_server { "absent" } else { "present" },
                ));
            }
        }
        for r in relations.keys() {
            if cat.relation(r).is_none() {
                problems.push(format!(
                    "{name}: relation {r} is dumped but not in the data"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn versions_in_dumps_read_as_majors() {
    assert_eq!(major_of(150018).to_string(), "15");
    assert_eq!(major_of(90624).to_string(), "9.6");
    assert_eq!(major_of(180004).to_string(), "18");
}
