use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::shell::effects::Effect;
use crate::spec::model::{Procedure, StepKind};

declare_rule! {
    /// ## What it catches
    /// A variable that names the host holding a role — `PRIMARY_HOST`,
    /// `LEADER`, `MASTER_POD` — fixed before a promotion (in an
    /// environment's `[vars]`, or computed by a step before the promotion
    /// step) and used by a command after it. Names that say they mean the
    /// old one (`OLD_PRIMARY`, `FAILED_LEADER`, `FORMER_…`, `PREV_…`) or the
    /// new one (`NEW_PRIMARY`, `CANDIDATE`, `TARGET`) are not reported, nor
    /// is a variable set again after the promotion (or in the step that
    /// uses it), one the promotion step itself uses (it names the host
    /// promoted), nor `echo`/`printf` of it. A promotion of a whole standby
    /// cluster (`patronictl promote-cluster`, `standby_cluster` removed)
    /// keeps its leader the leader and is not a change of host.
    ///
    /// ## Why it matters
    /// After a failover the primary is another host. A post-failover check
    /// that connects to `$PRIMARY_HOST` checks the old primary — which is
    /// down, or worse, still up and still accepting writes — and reports
    /// what the runbook wanted to hear. The right command on the wrong host
    /// is how real outages happen.
    ///
    /// ## Example
    /// ```toml
    /// # environments/prod.toml
    /// [vars]
    /// PRIMARY_HOST = "pg-0.pg.prod.svc"
    /// # runbooks/failover.toml, after the promotion step
    /// run = "psql -h \"$PRIMARY_HOST\" -c 'SELECT pg_is_in_recovery()'"
    /// ```
    ///
    /// ## Fix
    /// Read the role where it is used, after the promotion: `LEADER=$(curl
    /// -s "http://$ANY_NODE:8008/cluster" | jq -r '.members[] |
    /// select(.role == "leader") | .host')`, or the candidate the promotion
    /// named; rename the variable `OLD_PRIMARY` where the old one is meant.
    pub struct StaleRoleHost { code: "RB023", name: "stale-role-host", severity: Error }
}

/// A name for the host that holds the primary role now.
fn names_current_role(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["PRIMARY", "LEADER", "MASTER"]
        .iter()
        .any(|r| n.contains(r))
        && ![
            "OLD",
            "FAILED",
            "FORMER",
            "PREV",
            "ORIG",
            "DEAD",
            "LOST",
            "DOWN",
            "NEW",
            "CANDIDATE",
            "TARGET",
            "STANDBY",
            "REPLICA",
            "DEMOTED",
            "EX_",
        ]
        .iter()
        .any(|w| n.contains(w))
}

/// Is the use at `at` the value of an option that names the leader being
/// replaced (`--master "$X"`, `--leader=$X`, `--primary $X`)?
fn names_the_old_leader(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches(['"', '\'', '$', '{']);
    let before = before.strip_suffix('=').unwrap_or(before.trim_end());
    ["--master", "--leader", "--primary", "--current"]
        .iter()
        .any(|o| before.ends_with(o))
}

/// Does the step move the primary role to another host of the cluster? A
/// promotion of a whole standby cluster (`patronictl promote-cluster`,
/// `standby_cluster` removed from the configuration) keeps its leader the
/// leader, so a variable naming that leader stays right.
fn moves_primary(ctx: &LintContext, p: &Procedure, step: &crate::spec::model::Step) -> bool {
    let promotions: Vec<String> = step
        .run
        .as_ref()
        .map(|run| {
            ctx.sem
                .step_actions(p, step, run.get_ref())
                .iter()
                .filter(|f| f.action.effect == Effect::Promotes)
                .map(|f| f.action.what.clone())
                .collect()
        })
        .unwrap_or_default();
    let cluster_level =
        |what: &String| what.contains("promote-cluster") || what.contains("standby_cluster");
    match promotions.is_empty() {
        true => *step.kind.get_ref() == StepKind::Promotion,
        false => !promotions.iter().all(cluster_level),
    }
}

impl Check for StaleRoleHost {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            let Some(promotion) = p.steps.iter().position(|s| moves_primary(ctx, p, s)) else {
                continue;
            };
            let promotion_id = p.steps[promotion].id.get_ref();
            // A variable the promotion itself uses names the host it promotes.
            // Not one given as the leader being replaced (`--master "$X"`):
            // that names the old primary, and a later use is stale.
            let promoted: Vec<String> = shell_fields(&p.steps[promotion])
                .flat_map(|f| {
                    let text = f.text.get_ref();
                    ctx.analyse(text)
                        .uses
                        .iter()
                        .filter(|u| !names_the_old_leader(text, u.range.start))
                        .map(|u| u.name.clone())
                        .collect::<Vec<_>>()
                })
                .collect();
            let in_vars = |name: &str| {
                spec.environments_of(p)
                    .into_iter()
                    .find(|e| e.doc.vars.keys().any(|k| k.get_ref() == name))
                    .map(|e| e.doc.id.get_ref().clone())
            };
            for (i, step) in p.steps.iter().enumerate().skip(promotion + 1) {
                for field in shell_fields(step) {
                    let text = field.text.get_ref();
                    let analysis = ctx.analyse(text);
                    let model = crate::shell::command::commands(text);
                    let mut reported: Vec<&str> = Vec::new();
                    for u in &analysis.uses {
                        if !names_current_role(&u.name)
                            || promoted.contains(&u.name)
                            || reported.contains(&u.name.as_str())
                            || analysis.defined_before(&u.name, u.range.start)
                        {
                            continue;
                        }
                        // Only a command acting on it: printing it, or handing
                        // it to `jq --arg old …` to compare with, is harmless.
                        let command = model
                            .commands
                            .iter()
                            .filter(|c| c.range.contains(&u.range.start))
                            .min_by_key(|c| c.range.len());
                        if command.is_none_or(|c| {
                            matches!(c.name(), "echo" | "printf" | "logger" | ":" | "jq")
                        }) {
                            continue;
                        }
                        // The last step before this one that sets it.
                        let set_by = p.steps[..i].iter().enumerate().rev().find(|(_, s)| {
                            shell_fields(s).any(|f| {
                                ctx.analyse(f.text.get_ref())
                                    .defs
                                    .iter()
                                    .any(|d| d.name == u.name)
                            })
                        });
                        let whence = match set_by {
                            Some((j, _)) if j >= promotion => continue,
                            Some((_, s)) => {
                                format!("step `{}`, before the promotion", s.id.get_ref())
                            }
                            None => match in_vars(&u.name) {
                                Some(env) => format!("`[vars]` of environment `{env}`"),
                                None => continue,
                            },
                        };
                        reported.push(&u.name);
                        out.push(
                            Diagnostic::finding(format!(
                                "`${}` names the primary as it was before step `{promotion_id}` promoted another host (set in {whence}); here, after it, that is the old primary",
                                u.name
                            ))
                            .at(ctx.in_value(proc, field.text, u.range.clone()))
                            .label("the old primary after the promotion")
                            .help("read the current leader here (e.g. from Patroni's `/cluster`: `.members[] | select(.role == \"leader\") | .host`) or use the candidate the promotion named; call it `OLD_PRIMARY` if the old one is meant")
                            .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                        );
                    }
                }
            }
        }
    }
}
