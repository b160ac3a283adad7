use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::generate::bash::steps_in;
use crate::lint::{Check, LintContext};
use regex::Regex;
use serde::Deserialize;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// A command that needs a newer tool than an environment declares in
    /// `[tools]`, or uses an option that version removed, from the table in
    /// `src/lint/tool_requirements.toml` (for example `patronictl
    /// promote-cluster` needs Patroni ≥ 4.1; `--master` and `role=master` are
    /// gone since Patroni 4.0). Also: a PostgreSQL data path such as
    /// `/var/lib/postgresql/17/` that contradicts the declared major version,
    /// and a runbook whose `[requires]` is newer than an environment's tools.
    ///
    /// ## Why it matters
    /// "The command that needs a newer Patroni than production runs" is found
    /// at the worst moment: the promotion step fails with an unknown command
    /// while DC1 is down.
    ///
    /// ## Example
    /// ```toml
    /// [tools]
    /// patroni = "3.3.2"
    /// # …and a step runs `patronictl promote-cluster`
    /// ```
    ///
    /// ## Fix
    /// Upgrade the environment (and its `[tools]` entry), or use the command
    /// that the deployed version has (e.g. `edit-config --set
    /// standby_cluster=null` before Patroni 4.1).
    pub struct ToolVersion { code: "RB007", name: "tool-version", severity: Error }
}

#[derive(Deserialize)]
struct Table {
    rule: Vec<Requirement>,
}

#[derive(Deserialize)]
struct Requirement {
    tool: String,
    what: String,
    pattern: String,
    min: Option<String>,
    removed: Option<String>,
    instead: Option<String>,
}

static TABLE: LazyLock<Vec<(Requirement, Regex)>> = LazyLock::new(|| {
    let table: Table = toml::from_str(include_str!("../tool_requirements.toml"))
        .expect("tool_requirements.toml is valid");
    table
        .rule
        .into_iter()
        .map(|r| {
            let re = Regex::new(&r.pattern).expect("tool_requirements.toml patterns compile");
            (r, re)
        })
        .collect()
});

static PG_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/var/lib/postgresql/(\d+)/").unwrap());

/// Compare dotted versions numerically (`4.1.5` ≥ `4.1`).
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['.', '-'])
            .map(|p| p.trim_start_matches('v').parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parse(a), parse(b));
    for i in 0..a.len().max(b.len()) {
        let o = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |l| {
        let o = offset;
        offset += l.len();
        (o, l)
    })
}

impl Check for ToolVersion {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc) in ctx.spec.procedures() {
            let p = &proc.doc;
            for env in ctx.spec.environments_of(p) {
                let env_id = env.doc.id.get_ref();
                let tool = |name: &str| {
                    env.doc
                        .tools
                        .iter()
                        .find(|(k, _)| k.get_ref() == name)
                        .map(|(_, v)| v.get_ref().as_str())
                };
                for (name, min) in &p.requires {
                    if let Some(have) = tool(name.get_ref()) {
                        if version_cmp(have, min.get_ref()).is_lt() {
                            out.push(
                                Diagnostic::error("RB007", format!("{} requires {} ≥ {} but environment `{env_id}` has {have}", p.id.get_ref(), name.get_ref(), min.get_ref()))
                                    .at(proc.loc(min))
                                    .help(format!("upgrade {} in `{env_id}`, or lower the requirement if the runbook works with {have}", name.get_ref()))
                                    .in_runbook(p.id.get_ref(), None),
                            );
                        }
                    }
                }
                for step in steps_in(p, env_id) {
                    let Some(run) = &step.run else { continue };
                    for (offset, line) in lines_with_offsets(run.get_ref()) {
                        if line.trim_start().starts_with('#') {
                            continue;
                        }
                        for (req, re) in TABLE.iter() {
                            let Some(m) = re.find(line) else { continue };
                            let Some(have) = tool(&req.tool) else {
                                continue;
                            };
                            let range = offset + m.start()..offset + m.end();
                            let problem = if let Some(min) = req
                                .min
                                .as_ref()
                                .filter(|min| version_cmp(have, min).is_lt())
                            {
                                Some((
                                    format!(
                                        "{} needs {} ≥ {min}; environment `{env_id}` has {have}",
                                        req.what, req.tool
                                    ),
                                    format!(
                                        "upgrade {} in `{env_id}` or use a command {have} has",
                                        req.tool
                                    ),
                                ))
                            } else {
                                req.removed.as_ref().filter(|rm| version_cmp(have, rm).is_ge()).map(|rm| {
                                    (format!("{} was removed in {} {rm}; environment `{env_id}` has {have}", req.what, req.tool), format!("use {} instead", req.instead.as_deref().unwrap_or("the current option")))
                                })
                            };
                            if let Some((message, help)) = problem {
                                out.push(
                                    Diagnostic::error("RB007", message)
                                        .at(ctx.in_value(proc, run, range))
                                        .help(help)
                                        .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                                );
                            }
                        }
                        if let (Some(c), Some(have)) = (PG_PATH.captures(line), tool("postgresql"))
                        {
                            let major = have.split('.').next().unwrap_or(have);
                            if &c[1] != major {
                                let m = c.get(1).unwrap();
                                out.push(
                                    Diagnostic::error("RB007", format!("path is for PostgreSQL {} but environment `{env_id}` runs PostgreSQL {have}", &c[1]))
                                        .at(ctx.in_value(proc, run, offset + m.start()..offset + m.end()))
                                        .help("take the data directory from an environment variable (e.g. `$PG_DATA_DIR`) so each environment states its own")
                                        .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
