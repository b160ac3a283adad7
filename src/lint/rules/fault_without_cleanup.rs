use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::ProcKind;
use crate::spec::model::StepKind;
use regex::Regex;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// Fault injection with no way back: a `fault` step with neither a
    /// `cleanup` (run by the script's exit trap) nor a later step that
    /// `restores` it; or, in a drill, a step of another kind that blocks
    /// traffic (`iptables … -j DROP`) or stops a service (`systemctl stop`,
    /// `… stop etcd`) with no later step that undoes it (`iptables -D`,
    /// `systemctl start`).
    ///
    /// ## Why it matters
    /// A drill that dies half-way must not leave a node partitioned or an etcd
    /// member stopped: the next real incident would start from a degraded
    /// cluster nobody knows about.
    ///
    /// ## Example
    /// ```toml
    /// kind = "fault"
    /// run = '''
    /// node_service 10.3.0.10 stop etcd
    /// '''
    /// # no cleanup, no later `restores`
    /// ```
    ///
    /// ## Fix
    /// Add `cleanup = '''…'''` undoing the fault, and a later step with
    /// `restores = "<this step>"` for the normal path.
    pub struct FaultWithoutCleanup { code: "RB010", name: "fault-without-cleanup", severity: Error }
}

static BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\biptables\s+-[IA]\b[^\n]*-j\s+DROP\b|\bblock_port\b").unwrap());
static UNBLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\biptables\s+-D\b|\bunblock_port\b").unwrap());
static STOP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bstop\s+(etcd|patroni|postgresql)\b").unwrap());

/// The fault a drill step injects, and a pattern for the command that undoes it.
fn fault_in(text: &str) -> Option<(std::ops::Range<usize>, String, Regex)> {
    if let Some(m) = BLOCK.find(text) {
        return Some((m.range(), m.as_str().to_string(), UNBLOCK.clone()));
    }
    STOP.captures(text).map(|c| {
        let m = c.get(0).unwrap();
        let undo = Regex::new(&format!(r"\b(start|restart)\s+{}\b", regex::escape(&c[1]))).unwrap();
        (m.range(), m.as_str().to_string(), undo)
    })
}

impl Check for FaultWithoutCleanup {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (kind, proc) in ctx.spec.procedures() {
            let steps = &proc.doc.steps;
            for (i, step) in steps.iter().enumerate() {
                let id = step.id.get_ref();
                let restored_later = steps[i + 1..]
                    .iter()
                    .any(|s| s.restores.as_ref().is_some_and(|r| r.get_ref() == id));
                if *step.kind.get_ref() == StepKind::Fault {
                    if step.cleanup.is_none() && !restored_later {
                        out.push(
                            Diagnostic::error("RB010", format!("fault step `{id}` has no cleanup and no later step restores it"))
                                .at(proc.loc(&step.kind))
                                .help("add `cleanup = '''…'''` that undoes the fault, and `restores = \"<this step>\"` on the step that ends it")
                                .in_runbook(proc.doc.id.get_ref(), Some(id)),
                        );
                    }
                    continue;
                }
                if kind != ProcKind::Drill {
                    continue;
                }
                let Some(run) = &step.run else { continue };
                let Some((range, what, undo)) = fault_in(run.get_ref()) else {
                    continue;
                };
                let undone = steps[i + 1..]
                    .iter()
                    .chain(std::iter::once(step))
                    .filter_map(|s| s.run.as_ref())
                    .any(|r| undo.is_match(r.get_ref()));
                if !undone {
                    out.push(
                        Diagnostic::error(
                            "RB010",
                            format!("drill step `{id}` injects a fault (`{what}`) that no later step undoes"),
                        )
                        .at(ctx.in_value(proc, run, range))
                            .help("make it a `fault` step with a `cleanup`, and restore it in a later step")
                            .in_runbook(proc.doc.id.get_ref(), Some(id)),
                    );
                }
            }
        }
    }
}
