use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::Doc;
use crate::spec::model::{Procedure, S, Step, StepKind};

declare_rule! {
    /// ## What it catches
    /// A `probe` step — the only kind `--dry-run` executes — that runs a
    /// command which changes state. Such commands are SQL that writes (`INSERT`, `UPDATE`,
    /// `DELETE`, `MERGE`, `TRUNCATE`, `DROP`, `ALTER`, `CREATE`, `GRANT`,
    /// `VACUUM`, `COPY … FROM`, …) or calls a state-changing function
    /// (`pg_promote()`, `pg_terminate_backend()`, `pg_reload_conf()`, …),
    /// from `psql -c`, a heredoc, a here-string or a piped `echo`;
    /// `systemctl start|stop|restart|reload|…`; `kill`/`pkill`; `rm`, `mv`,
    /// `sed -i`; `patronictl` subcommands other than `list`, `topology`,
    /// `history`, `show-config`, `dsn`, `version` (and a read-only `query`);
    /// `etcdctl put|del|member add|remove|…`; `iptables -A|-I|-D|-F`; HTTP
    /// requests other than GET/HEAD (`curl -X POST|PUT|PATCH|DELETE`, or
    /// `curl -d …`); `kubectl delete|scale|patch|…`; `pg_ctl start|stop|…`;
    /// and calls of environment functions whose body does any of these (with
    /// the call's arguments in place) or that declare `effect =
    /// "changes-state"`, `"destructive"` or `"promotes"`.
    ///
    /// The same holds for any step's `when = { test = … }`: the test runs
    /// just before the step, before its gate and its confirmation, and again
    /// on every resume, so it must only read.
    ///
    /// Commands behind `ssh`, `sudo`, `kubectl exec … --`, `bash -c` count;
    /// commands that are only mentioned (`echo`, comments, quoted text) do
    /// not. The finding is at the word that shows the change: the
    /// subcommand, the SQL keyword, the HTTP method, or the function call.
    ///
    /// ## Why it matters
    /// `--dry-run` is the rehearsal an on-call engineer runs first, trusting
    /// that it changes nothing. A probe that restarts Patroni or deletes rows
    /// breaks that promise on the worst possible day.
    ///
    /// ## Example
    /// ```toml
    /// kind = "probe"
    /// run = '''
    /// psql -h "$PRIMARY" -d app <<'SQL'
    /// DELETE FROM replication_canary WHERE ts < now() - interval '1 day';
    /// SQL
    /// '''
    /// ```
    ///
    /// ## Fix
    /// Make the step a `change` (or `destructive`) step, or split the read
    /// part into its own probe. If a function only looks read-only to rbgen
    /// (it writes a temporary file, say), declare `effect = "read-only"` on it.
    pub struct ProbeChangesState { code: "RB016", name: "probe-changes-state", severity: Error }
}

impl Check for ProbeChangesState {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            if let Some(test) = step.when.as_ref().and_then(|w| w.test.as_ref()) {
                when_test(ctx, proc, step, test, out);
            }
            if *step.kind.get_ref() != StepKind::Probe {
                continue;
            }
            let Some(run) = &step.run else { continue };
            let mut reported = Vec::new();
            for f in ctx.sem.step_actions(&proc.doc, step, run.get_ref()) {
                // One finding per word (a `systemctl stop` is both a change and destructive).
                if reported.contains(&f.action.at) {
                    continue;
                }
                reported.push(f.action.at.clone());
                out.push(
                    Diagnostic::finding(format!("probe step `{}` runs {}, which changes state; `--dry-run` executes probes", step.id.get_ref(), f.describe()),
                    )
                    .at(ctx.in_value(proc, run, f.action.at.clone()))
                    .label("changes state")
                    .help("make this a `change` step (or `destructive`), or move the command out of the probe")
                    .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                );
            }
        }
    }
}

/// A `when` test that changes state: it runs before the step's gate and
/// confirmation, whatever the step's kind.
fn when_test(
    ctx: &LintContext,
    proc: &Doc<Procedure>,
    step: &Step,
    test: &S,
    out: &mut Vec<Diagnostic>,
) {
    let mut reported = Vec::new();
    for f in ctx.sem.step_actions(&proc.doc, step, test.get_ref()) {
        if reported.contains(&f.action.at) {
            continue;
        }
        reported.push(f.action.at.clone());
        out.push(
            Diagnostic::finding(format!(
                "the `when` test of step `{}` runs {}, which changes state; it runs before the step's gate and confirmation",
                step.id.get_ref(),
                f.describe()
            ))
            .at(ctx.in_value(proc, test, f.action.at.clone()))
            .label("changes state")
            .help("a test only reads: move the command into a step of its own and branch on its outcome with `when = { step = \"…\" }`")
            .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
        );
    }
}
