use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::shell::flow::{Source, checked_non_empty, sourced_values};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it catches
    /// A value that comes from a command's output (`T=$(… | jq -r …)`) or
    /// from `read`, and reaches a command that changes state, destroys or
    /// promotes — as its argument (`--candidate "$T"`) or as the host it
    /// runs on (`ssh "$T" …`) — with nothing on the way that stops the run
    /// when it is empty: no `${T:?…}`, no `[ -n "$T" ] || exit 1`, no
    /// `[[ -z $T ]] && exit 1`. Followed through a step's `sets` into later
    /// steps.
    ///
    /// Parameters are not reported: the script refuses to start with one
    /// empty.
    ///
    /// ## Why it matters
    /// When the filter matches nothing, the value is empty and the command
    /// runs anyway: `patronictl switchover --candidate ""` lets Patroni
    /// pick, `ssh "" …` fails late, `rm -rf "$DIR/"` with an empty `DIR`
    /// removes `/`. A person would have stopped; the script does not.
    ///
    /// ## Example
    /// ```bash
    /// TARGET=$(patronictl list -f json | jq -r '.[] | select(.Role == "Replica") | .Member' | head -1)
    /// patronictl switchover --candidate "$TARGET" --force
    /// ```
    ///
    /// ## Fix
    /// Stop when the value is empty, right after it is computed:
    /// `: "${TARGET:?no replica to switch over to}"`, or
    /// `[ -n "$TARGET" ] || { echo 'no candidate' >&2; exit 1; }`.
    pub struct UnguardedTarget { code: "RB020", name: "unguarded-target", severity: Error }
}

/// Commands that run a procedure kept elsewhere: what they do is what the
/// step says it does.
fn opaque_runner(name: &str) -> bool {
    matches!(
        name,
        "ansible-playbook" | "terraform" | "salt" | "fab" | "make"
    ) || name.contains('/') && !name.starts_with('/')
}

impl Check for UnguardedTarget {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc) in ctx.spec.procedures() {
            let p = &proc.doc;
            // Values earlier steps computed and handed on through `sets`
            // unchecked: name → the step that set it.
            let mut carried: BTreeMap<String, (String, Source)> = BTreeMap::new();
            for step in &p.steps {
                let Some(run) = &step.run else { continue };
                let text = run.get_ref();
                let local = sourced_values(text);
                let model = crate::shell::command::commands(text);
                let analysis = ctx.analyse(text);
                let actions = ctx.sem.step_actions(p, step, text);
                let mut reported = Vec::new();
                for u in &analysis.uses {
                    // Where the value came from: this step (before the use), or an earlier one.
                    let origin = local
                        .iter()
                        .rev()
                        .find(|v| v.name == u.name && v.at.start < u.range.start)
                        .map(|v| (v.source, None))
                        .or_else(|| {
                            carried
                                .get(&u.name)
                                .filter(|_| !analysis.defined_before(&u.name, u.range.start))
                                .map(|(from, src)| (*src, Some(from.clone())))
                        });
                    let Some((source, from_step)) = origin else {
                        continue;
                    };
                    if checked_non_empty(text, &u.name, u.range.start) || reported.contains(&u.name)
                    {
                        continue;
                    }
                    // The outermost command holding the use, and what it does.
                    let Some(outer) = model
                        .commands
                        .iter()
                        .filter(|c| c.via.is_empty() && c.range.contains(&u.range.start))
                        .min_by_key(|c| c.range.len())
                    else {
                        continue;
                    };
                    // The use is not the command's own input (`psql -c "… '$X' …"`
                    // text is data; a `--candidate`, a host, a path is a target).
                    let kind = *step.kind.get_ref();
                    let acts_on = match actions
                        .iter()
                        .find(|f| outer.range.contains(&f.action.at.start))
                    {
                        Some(f) => f.describe(),
                        // A playbook or a script the model cannot see into
                        // does what the step's kind declares.
                        None if opaque_runner(outer.name()) && kind.needs_confirmation() => {
                            format!("`{}` in a `{}` step", outer.name(), kind.as_str())
                        }
                        None => continue,
                    };
                    // A value inside text (SQL, a message, a remote script)
                    // is data there; a target is a word of its own.
                    let word = outer
                        .args
                        .iter()
                        .chain(std::iter::once(&outer.name))
                        .find(|w| w.range.contains(&u.range.start));
                    if word.is_none_or(|w| w.text.contains(char::is_whitespace)) {
                        continue;
                    }
                    reported.push(u.name.clone());
                    let whence = match (source, &from_step) {
                        (Source::Output, None) => "a command's output".to_string(),
                        (Source::Read, None) => "`read`".to_string(),
                        (Source::Output, Some(s)) => format!("a command's output in step `{s}`"),
                        (Source::Read, Some(s)) => format!("`read` in step `{s}`"),
                        (Source::Select, None) => {
                            "a `select` menu (an answer not on it leaves it empty)".to_string()
                        }
                        (Source::Select, Some(s)) => format!("a `select` menu in step `{s}`"),
                    };
                    out.push(
                        Diagnostic::finding(format!(
                            "`${}` comes from {whence} and may be empty, and {} acts on it unchecked",
                            u.name, acts_on
                        ))
                        .at(ctx.in_value(proc, run, u.range.clone()))
                        .label("may be empty here")
                        .help(format!(
                            "stop when it is empty before using it: `: \"${{{0}:?no value for {0}}}\"` or `[ -n \"${0}\" ] || exit 1`",
                            u.name
                        ))
                        .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                    );
                }
                // Hand on what this step sets from output without checking it.
                for name in &step.sets {
                    let name = name.get_ref();
                    match local.iter().rev().find(|v| &v.name == name) {
                        Some(v) if !checked_non_empty(text, name, text.len()) => {
                            carried.insert(name.clone(), (step.id.get_ref().clone(), v.source));
                        }
                        _ => {
                            carried.remove(name);
                        }
                    }
                }
            }
        }
    }
}
