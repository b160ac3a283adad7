use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::model::StepKind;
use regex::Regex;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// A step that runs a destructive command — `rm -rf`, `iptables … -j DROP`,
    /// `kill -9`, `systemctl stop`, `patronictl reinit --force`, SQL `DROP` or
    /// `TRUNCATE`, a STONITH call — while its kind is not `destructive`,
    /// `promotion` or `fault` and it does not set `confirm = true`. Calls of
    /// environment functions whose body does such a thing count too.
    ///
    /// ## Why it matters
    /// The generated script asks for confirmation before destructive steps
    /// (unless `--yes`). A step labelled `probe` or `change` that wipes a data
    /// directory runs without that last chance to stop — and even in
    /// `--dry-run` if it claims to be a probe.
    ///
    /// ## Example
    /// ```toml
    /// kind = "change"
    /// run = '''
    /// ssh "$OLD_PRIMARY" "rm -rf /var/lib/postgresql/17/main/*"
    /// '''
    /// ```
    ///
    /// ## Fix
    /// Set `kind = "destructive"` (or `confirm = true` when the kind is right
    /// for another reason).
    pub struct UnconfirmedDestructive { code: "RB009", name: "unconfirmed-destructive", severity: Error }
}

static DESTRUCTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \brm\s+-[a-zA-Z]*[rR][a-zA-Z]*f[a-zA-Z]*\b | \brm\s+-[a-zA-Z]*f[a-zA-Z]*[rR][a-zA-Z]*\b
      | \biptables\b[^\n]*-j\s+DROP\b
      | \bkill\s+-(9|KILL|SIGKILL)\b
      | \bsystemctl\s+(stop|kill|poweroff)\b
      | \breinit\b[^\n]*--force\b
      | (?i:\bDROP\s+(TABLE|DATABASE|SCHEMA)\b) | (?i:\bTRUNCATE\b)
      | (?i:\bstonith)",
    )
    .unwrap()
});

/// Byte range of the first destructive command in `text`. Only commands
/// count (an `echo "STONITH is mandatory"` does not), and iptables rules being
/// removed (`-D`) are not destructive.
pub fn destructive_in(text: &str) -> Option<std::ops::Range<usize>> {
    let analysis = crate::shell::analysis::analyse(text);
    analysis
        .invocations
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "echo" | "printf" | "rb_mark" | "grep"))
        .find_map(|(_, range)| {
            let command = &text[range.clone()];
            if command.contains("iptables -D") {
                return None;
            }
            DESTRUCTIVE
                .find(command)
                .map(|m| range.start + m.start()..range.start + m.end())
        })
}

impl Check for UnconfirmedDestructive {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        // Functions (any environment) whose body is destructive.
        let mut destructive_fns: Vec<String> = Vec::new();
        for env in &ctx.spec.environments {
            for f in ctx.spec.functions_of(env).values() {
                if destructive_in(f.function.body.get_ref()).is_some()
                    && !destructive_fns.iter().any(|n| n == f.name)
                {
                    destructive_fns.push(f.name.to_string());
                }
            }
        }
        for (_, proc, step) in ctx.steps() {
            let kind = *step.kind.get_ref();
            let confirmed = step.confirm.as_ref().is_some_and(|c| *c.get_ref());
            if kind.needs_confirmation() || confirmed || kind == StepKind::Manual {
                continue;
            }
            let Some(run) = &step.run else { continue };
            let text = run.get_ref();
            let hit = destructive_in(text).map(|r| (r, None)).or_else(|| {
                ctx.analyse(text)
                    .commands
                    .iter()
                    .find(|(name, _)| destructive_fns.contains(name))
                    .map(|(name, r)| (r.clone(), Some(name.clone())))
            });
            if let Some((range, via)) = hit {
                let what = match via {
                    Some(f) => {
                        format!("calls `{f}`, which is destructive in at least one environment")
                    }
                    None => format!("runs `{}`", &text[range.clone()]),
                };
                out.push(
                    Diagnostic::error("RB009", format!("step `{}` {what} but is a `{}` step without confirmation", step.id.get_ref(), kind.as_str()))
                        .at(ctx.in_value(proc, run, range))
                        .help("set `kind = \"destructive\"` (or `confirm = true`) so the script asks before running it")
                        .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                );
            }
        }
    }
}
