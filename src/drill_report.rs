//! `rbgen drill report LOG…`: read a drill's JSON-lines log(s) (written by the
//! generated drill script) and fill in the drill record sheet: each target
//! from the spec, the measured actual, OK/NG.

use crate::generate::book::{blank_sheet, proc_file, scenarios_value};
use crate::generate::history::figure;
use crate::spec::model::Procedure;
use crate::spec::{Doc, ProcKind, Spec};
use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Value, json};
use std::path::Path;

/// One event of a log, with where it came from (for error messages).
#[derive(Debug, Clone)]
pub struct Event {
    pub value: Value,
    pub epoch_ms: i64,
}

/// Parse JSON-lines; a bad or truncated line is an error naming its line.
pub fn read_log(path: &Path) -> Result<Vec<Event>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            let truncated = i + 1 == text.lines().count() && !text.ends_with('\n');
            anyhow!(
                "{}:{}: {}: {e}\n  help: {}",
                path.display(),
                i + 1,
                if truncated { "truncated line" } else { "not a JSON object" },
                if truncated { "the drill script was killed while writing its log; remove the last line or rerun the drill" } else { "the log must be the JSON-lines file the generated script wrote (RBGEN_LOG)" }
            )
        })?;
        let Some(epoch_ms) = value["epoch_ms"].as_i64() else {
            bail!(
                "{}:{}: event has no numeric `epoch_ms`\n  help: the log must be the JSON-lines file the generated script wrote (RBGEN_LOG)",
                path.display(),
                i + 1
            );
        };
        if value["event"].as_str().is_none() {
            bail!("{}:{}: event has no `event` name", path.display(), i + 1);
        }
        events.push(Event { value, epoch_ms });
    }
    if events.is_empty() {
        bail!("{}: the log is empty", path.display());
    }
    Ok(events)
}

/// What a set of logs is the run of: the (non-preparation) drill named in
/// their `run_start` events, the environment, and the first and last event.
pub struct DrillRun<'a> {
    pub drill: &'a Doc<Procedure>,
    pub env: String,
    pub first_ms: i64,
    pub last_ms: i64,
}

pub fn run_of<'a>(spec: &'a Spec, logs: &[(String, Vec<Event>)]) -> Result<DrillRun<'a>> {
    let all = || logs.iter().flat_map(|(_, e)| e.iter());
    let drill = all()
        .filter(|e| e.value["event"] == "run_start" && e.value["kind"] == "drill")
        .filter_map(|e| e.value["runbook"].as_str())
        .filter_map(|id| spec.drills.iter().find(|d| d.doc.id.get_ref() == id))
        .find(|d| !d.doc.is_preparation.as_ref().is_some_and(|b| *b.get_ref()))
        .ok_or_else(|| anyhow!("no drill scenario of the spec is named in these logs (run_start events)\n  help: pass the log the drill script wrote; preparation logs may be added alongside it"))?;
    Ok(DrillRun {
        drill,
        env: all()
            .find_map(|e| e.value["env"].as_str())
            .unwrap_or("unknown")
            .to_string(),
        first_ms: all().map(|e| e.epoch_ms).min().unwrap_or(0),
        last_ms: all().map(|e| e.epoch_ms).max().unwrap_or(0),
    })
}

/// A log time (ms since the epoch) in UTC, formatted.
fn utc(ms: i64, fmt: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime(fmt).to_string())
        .unwrap_or_default()
}

/// The filled sheet's context and whether every target was met.
pub fn report(
    spec: &Spec,
    logs: &[(String, Vec<Event>)],
    participants: Option<&str>,
) -> Result<(Value, Value, bool)> {
    let all: Vec<&Event> = logs.iter().flat_map(|(_, e)| e.iter()).collect();
    let run = run_of(spec, logs)?;
    let drill = run.drill;
    let p = &drill.doc;
    let mark = |name: &str| {
        all.iter()
            .find(|e| e.value["event"] == "mark" && e.value["name"] == name)
            .copied()
    };
    let mut all_ok = true;
    let mut rows = Vec::new();
    for t in &p.targets {
        let max = *t.max_seconds.get_ref();
        let actual: Option<f64> = match (&t.from, &t.to, &t.mark) {
            (Some(from), Some(to), _) => match (mark(from.get_ref()), mark(to.get_ref())) {
                (Some(a), Some(b)) => Some((b.epoch_ms - a.epoch_ms) as f64 / 1000.0),
                _ => None,
            },
            (_, _, Some(m)) => mark(m.get_ref()).and_then(|e| match &e.value["value"] {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }),
            _ => None,
        };
        let counts_rows = t.unit.as_ref().is_some_and(|u| u.get_ref() == "rows");
        let actual_text = figure(actual, counts_rows);
        let achieved = if actual.is_some_and(|a| a <= max) {
            "OK"
        } else {
            "NG"
        };
        if achieved != "OK" {
            all_ok = false;
        }
        rows.push(json!({"id": t.id.get_ref(), "unit": if counts_rows { "rows" } else { "seconds" }, "item": t.item.get_ref(), "target": t.target.get_ref(), "actual": actual_text, "achieved": achieved, "seconds": actual, "max_seconds": max}));
    }
    let (first, last, env) = (run.first_ms, run.last_ms, run.env.as_str());
    let tools = spec
        .environment(env)
        .map(|e| {
            e.doc
                .tools
                .iter()
                .map(|(k, v)| format!("{} {}", k.get_ref(), v.get_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let failed_steps: Vec<String> = all
        .iter()
        .filter(|e| {
            e.value["event"] == "step_end" && e.value["status"].as_i64().is_some_and(|s| s != 0)
        })
        // A failure a later step's `when` branches on is the runbook's
        // path, not an issue found by the drill.
        .filter(|e| {
            let (Some(runbook), Some(step)) =
                (e.value["runbook"].as_str(), e.value["step"].as_str())
            else {
                return true;
            };
            !spec.procedure(runbook).is_some_and(|(_, d)| {
                d.doc.steps.iter().any(|s| {
                    s.when
                        .as_ref()
                        .and_then(|w| w.step.as_ref())
                        .is_some_and(|w| w.get_ref() == step)
                })
            })
        })
        .map(|e| {
            format!(
                "Step `{}` of {} exited with status {}",
                e.value["step"].as_str().unwrap_or("?"),
                e.value["runbook"].as_str().unwrap_or("?"),
                e.value["status"]
            )
        })
        .collect();
    let stops = stops(&all);
    let mut sheet = blank_sheet(p);
    sheet["stops"] = json!(stops);
    sheet["date"] = json!(format!(
        "{} ~ {} UTC",
        utc(first, "%Y-%m-%d %H:%M:%S"),
        utc(last, "%H:%M:%S")
    ));
    sheet["participants"] =
        json!(participants.unwrap_or("(fill in: DBA, infrastructure engineer names)"));
    sheet["environment"] = json!(format!("{env} ({tools})"));
    sheet["rows"] = json!(rows);
    sheet["issues"] = json!(failed_steps);
    let cadence = p
        .cadence_days
        .as_ref()
        .map(|c| *c.get_ref())
        .unwrap_or(spec.project.doc.project.drill_cadence_days);
    sheet["next_date"] = json!(
        jiff::Timestamp::from_millisecond(last)
            .ok()
            .and_then(|t| t
                .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(cadence)))
                .ok())
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default()
    );
    let pv = json!({"id": p.id.get_ref(), "scenario": p.scenario.as_ref().map(|s| *s.get_ref()), "title": p.title.get_ref(), "version": p.version.as_ref().map(|v| v.get_ref().as_str()).unwrap_or("unversioned"), "file": proc_file(ProcKind::Drill, p.id.get_ref())});
    Ok((pv, sheet, all_ok))
}

/// Render the filled sheet as Markdown (and the same as printable HTML).
pub fn render(spec: &Spec, p: &Value, sheet: &Value) -> Result<(String, String)> {
    let tera = crate::generate::templates::load(None)?;
    let ctx = json!({"p": p, "sheet": sheet, "scenarios": scenarios_value(spec)});
    let c = tera::Context::from_serialize(&ctx)
        .map_err(|e| anyhow!("{}", crate::generate::templates::render_error(&e)))?;
    let md = tera.render("drill-sheet.md", &c).map_err(|e| {
        anyhow!(
            "drill-sheet.md.tera: {}",
            crate::generate::templates::render_error(&e)
        )
    })?;
    let base = json!({"project": {"name": spec.project.doc.project.name.get_ref(), "version": spec.project.doc.project.version.get_ref()}, "generator": crate::generate::GENERATOR});
    let html = crate::generate::print::render(
        &tera,
        &base,
        &[("drill-record.md".to_string(), md.clone())],
    )?;
    Ok((md, html))
}

/// The drill record (`drills/records/<drill>-<env>-<UTC time>.toml`): what
/// was run where and when, with which tools, each target's figure, and the
/// hash of the log it came from. Small and reviewable; RB005 and the book
/// take the date of the last passing one.
pub fn record(
    spec: &Spec,
    logs: &[(String, Vec<Event>)],
    raw_logs: &[Vec<u8>],
    sheet: &Value,
    passed: bool,
) -> Result<(String, String)> {
    use sha2::{Digest, Sha256};
    let run = run_of(spec, logs)?;
    let (drill, env, first, last) = (run.drill, run.env.as_str(), run.first_ms, run.last_ms);
    let datetime = |ms: i64| -> Result<toml::value::Datetime> {
        utc(ms, "%Y-%m-%dT%H:%M:%SZ")
            .parse()
            .map_err(|e| anyhow!("bad time in the log: {e}"))
    };
    let mut hash = Sha256::new();
    for raw in raw_logs {
        hash.update(raw);
    }
    let mut table = toml::Table::new();
    let p = &drill.doc;
    table.insert("drill".into(), p.id.get_ref().clone().into());
    if let Some(v) = &p.version {
        table.insert("drill_version".into(), v.get_ref().clone().into());
    }
    table.insert("environment".into(), env.to_string().into());
    table.insert("started".into(), toml::Value::Datetime(datetime(first)?));
    table.insert("finished".into(), toml::Value::Datetime(datetime(last)?));
    table.insert("passed".into(), passed.into());
    table.insert("log_sha256".into(), format!("{:x}", hash.finalize()).into());
    let mut tools = toml::Table::new();
    if let Some(e) = spec.environment(env) {
        for (k, v) in &e.doc.tools {
            tools.insert(k.get_ref().clone(), v.get_ref().clone().into());
        }
    }
    table.insert("tools".into(), toml::Value::Table(tools));
    let mut targets = Vec::new();
    for row in sheet["rows"].as_array().into_iter().flatten() {
        let mut t = toml::Table::new();
        t.insert(
            "id".into(),
            row["id"].as_str().unwrap_or_default().to_string().into(),
        );
        t.insert(
            "item".into(),
            row["item"].as_str().unwrap_or_default().to_string().into(),
        );
        t.insert(
            "target".into(),
            row["target"]
                .as_str()
                .unwrap_or_default()
                .to_string()
                .into(),
        );
        if let Some(s) = row["seconds"].as_f64() {
            t.insert("seconds".into(), ((s * 10.0).round() / 10.0).into());
        }
        t.insert(
            "max_seconds".into(),
            row["max_seconds"].as_f64().unwrap_or_default().into(),
        );
        t.insert("ok".into(), (row["achieved"] == "OK").into());
        targets.push(toml::Value::Table(t));
    }
    table.insert("targets".into(), toml::Value::Array(targets));
    let body = toml::to_string(&table).map_err(|e| anyhow!("cannot write the record: {e}"))?;
    let text = format!(
        "# Drill record written by `rbgen drill report --record` from the drill's log.\n# Review it and commit it: RB005 and the book read the last passing record.\n{body}"
    );
    let name = format!(
        "{}-{env}-{}.toml",
        p.id.get_ref(),
        utc(first, "%Y%m%dT%H%M%SZ")
    );
    Ok((name, text))
}

/// Where a script refused to go on (a target with the wrong role, too many
/// hosts, an empty target) or a runbook stopped on a failed step: the step, the message the operator saw, and
/// how long until that step succeeded once the run was resumed.
fn stops(all: &[&Event]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, e) in all.iter().enumerate() {
        let v = &e.value;
        let text = |k: &str| v[k].as_str().unwrap_or("?").to_string();
        let message = match v["event"].as_str() {
            Some("role_refused") => format!(
                "rbgen: step {} refused: {} is {} now, but this step needs it to be {}",
                text("step"),
                text("host"),
                text("found"),
                text("needed")
            ),
            Some("target_refused") => format!(
                "rbgen: step {} would act on {} hosts, more than its max_targets {}",
                text("step"),
                v["hosts"],
                v["max"]
            ),
            Some("target_empty") => format!(
                "rbgen: step {}: its target {} names no host; nothing was run",
                text("step"),
                text("target")
            ),
            // A runbook's own check failing ends the run too; a drill's
            // steps are the drill, not the recovery, so only runbooks count.
            Some("step_failed") if v["kind"] != "drill" => {
                // A step stopped by its timeout: what the operator read is
                // the timeout, not the exit status of the killed step.
                let timed_out = all[..i].iter().rev().find(|t| {
                    t.value["event"] == "step_timed_out"
                        && t.value["runbook"] == v["runbook"]
                        && t.value["step"] == v["step"]
                });
                match timed_out {
                    Some(t) => format!(
                        "rbgen: step {} timed out after {}s; stopping it",
                        text("step"),
                        t.value["seconds"]
                    ),
                    None => format!(
                        "rbgen: step {} failed (exit {}).",
                        text("step"),
                        v["status"]
                    ),
                }
            }
            _ => continue,
        };
        // The same step of the same runbook succeeding later: the resume.
        let recovered = all[i + 1..].iter().find(|later| {
            later.value["event"] == "step_end"
                && later.value["status"] == 0
                && later.value["runbook"] == v["runbook"]
                && later.value["step"] == v["step"]
        });
        let after = match recovered {
            Some(r) => format!(
                "; after the resume the step succeeded {:.1} s later",
                (r.epoch_ms - e.epoch_ms) as f64 / 1000.0
            ),
            None => "; the step did not succeed later in this log".to_string(),
        };
        out.push(format!(
            "Step {} of {} stopped. The operator saw: “{message}”{after}.",
            text("step"),
            text("runbook")
        ));
    }
    out
}
