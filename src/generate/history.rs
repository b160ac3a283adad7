//! Drill history for the book and the binder: for a runbook, the records of
//! the drills that exercise it; for a drill, its own records. Newest first.

use crate::spec::model::DrillRecord;
use crate::spec::{ProcKind, Spec};
use serde_json::{Value, json};

/// One recorded run, as the book and the binder print it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub date: String,
    pub environment: String,
    pub drill: String,
    pub drill_title: String,
    pub passed: bool,
    /// "RTO (…): 6.3 s (target within 20 min) OK"
    pub figures: Vec<String>,
}

fn run(spec: &Spec, r: &DrillRecord) -> Run {
    let drill = r.drill.get_ref().clone();
    let drill_title = spec
        .procedure(&drill)
        .map(|(_, d)| d.doc.title.get_ref().clone())
        .unwrap_or_else(|| drill.clone());
    Run {
        date: r
            .started
            .get_ref()
            .date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        environment: r.environment.get_ref().clone(),
        drill,
        drill_title,
        passed: *r.passed.get_ref(),
        figures: r
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{}: {} ({})",
                    t.item.get_ref(),
                    figure(
                        t.seconds.as_ref().map(|s| *s.get_ref()),
                        t.unit.as_ref().is_some_and(|u| u.get_ref() == "rows")
                    ),
                    if *t.ok.get_ref() { "OK" } else { "NG" }
                )
            })
            .collect(),
    }
}

/// A measured figure as the sheets, the book and the binder print it.
pub fn figure(value: Option<f64>, rows: bool) -> String {
    match value {
        None => "not measured".into(),
        Some(n) if rows => format!("{n:.0} rows"),
        Some(s) if s >= 120.0 => format!("{:.1} min ({s:.1} s)", s / 60.0),
        Some(s) => format!("{s:.1} s"),
    }
}

/// Every recorded run that concerns procedure `id`, newest first.
pub fn runs(spec: &Spec, kind: ProcKind, id: &str) -> Vec<Run> {
    let records: Vec<&DrillRecord> = match kind {
        ProcKind::Runbook => spec.records_exercising(id),
        ProcKind::Drill => spec.records_where(|r| r.drill.get_ref() == id),
    };
    records.into_iter().map(|r| run(spec, r)).collect()
}

/// Drills that exercise runbook `id`: (id, title).
pub fn exercised_by(spec: &Spec, id: &str) -> Vec<(String, String)> {
    spec.drills
        .iter()
        .filter(|d| d.doc.exercises.iter().any(|e| e.get_ref() == id))
        .map(|d| (d.doc.id.get_ref().clone(), d.doc.title.get_ref().clone()))
        .collect()
}

pub fn to_value(runs: &[Run]) -> Value {
    json!(
        runs.iter()
            .map(|r| json!({
                "date": r.date,
                "environment": r.environment,
                "drill": r.drill,
                "drill_title": r.drill_title,
                "drill_file": format!("{}{}", super::prose::ROOT, crate::semantics::references::proc_file(ProcKind::Drill, &r.drill)),
                "passed": r.passed,
                "figures": r.figures.join("; "),
            }))
            .collect::<Vec<_>>()
    )
}
