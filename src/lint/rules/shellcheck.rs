use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::generate::bash::{script_path, steps_in};
use crate::lint::shellcheck as sc;
use crate::lint::{Check, LintContext};
use crate::source::Location;
use crate::spec::model::S;

declare_rule! {
    /// ## What it catches
    /// ShellCheck findings (real ShellCheck, `-f json1`) in each step's `run`,
    /// each fault's `cleanup` and each shell function, checked as they appear
    /// in the generated script — with the environment's variables and
    /// functions around them — and reported at the exact line and column of
    /// the TOML, with the SC code in the message.
    ///
    /// All scripts go to one ShellCheck process; results are cached by
    /// content (in `$XDG_CACHE_HOME/rbgen/shellcheck`), so re-linting an
    /// unchanged spec starts no ShellCheck at all. Without `shellcheck` on the
    /// PATH this rule reports one warning (an error under `--deny warnings` or
    /// `CI=true`).
    ///
    /// ## Why it matters
    /// An unquoted `$NODES` splits on a space in a hostname, a `cd` without
    /// `|| exit` runs `rm -rf` in the wrong directory. ShellCheck knows these
    /// traps; the runbook author at a review usually does not.
    ///
    /// ## Example
    /// ```bash
    /// patronictl -c $PATRONI_CONF list    # SC2086: double quote to prevent globbing and word splitting
    /// ```
    ///
    /// ## Fix
    /// Follow ShellCheck's advice (https://www.shellcheck.net/wiki/SC2086 for
    /// SC2086, and so on).
    pub struct ShellCheck { code: "RB014", name: "shellcheck", severity: Error }
}

/// A region of a generated script that came from one spec string.
struct Region<'a> {
    first_line: usize,
    lines: usize,
    locate: Box<dyn Fn(usize, usize) -> Location + 'a>,
    runbook: Option<(String, String)>,
}

fn region_for<'a, T>(
    ctx: &'a LintContext,
    script: &str,
    header: &str,
    doc: &'a crate::spec::Doc<T>,
    text: &'a S,
) -> Option<Region<'a>> {
    let idx = script.lines().position(|l| l == header)?;
    let value = text.get_ref().trim_end();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(value.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let n = line_starts.len();
    Some(Region {
        first_line: idx + 2,
        lines: n,
        locate: Box::new(move |line, col| {
            let start = line_starts[line];
            let line_text = &value[start..];
            let byte = line_text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(0);
            ctx.in_value(doc, text, start + byte..start + byte + 1)
        }),
        runbook: None,
    })
}

impl Check for ShellCheck {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        if !ctx.shellcheck {
            return;
        }
        let Some((binary, identity)) = sc::find() else {
            let mut d = Diagnostic::error(
                "RB014",
                "shellcheck is not installed: the bash in the spec was not checked",
            )
            .help(
                "install ShellCheck (e.g. `apt-get install shellcheck`), or pass `--no-shellcheck`",
            );
            d.severity = if ctx.strict {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.push(d);
            return;
        };
        let spec = ctx.spec;
        let output = match crate::generate::templates::load(None).and_then(|tera| {
            let mut o = crate::generate::Output::new();
            crate::generate::bash::generate(spec, &tera, &mut o).map(|_| o)
        }) {
            Ok(o) => o,
            Err(e) => {
                out.push(Diagnostic::error(
                    "RB014",
                    format!("cannot generate the scripts to check: {e:#}"),
                ));
                return;
            }
        };
        let mut scripts = Vec::new();
        let mut regions: Vec<Vec<Region>> = Vec::new();
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            for env in spec.environments_of(p) {
                let env_id = env.doc.id.get_ref();
                let Some(file) = output.get(&script_path(env_id, p.id.get_ref())) else {
                    continue;
                };
                let script = String::from_utf8_lossy(&file.contents).into_owned();
                let mut rs = Vec::new();
                for (i, step) in steps_in(p, env_id).enumerate() {
                    let n = i + 1;
                    for (header, text) in [
                        (format!("rb_step_{n}() {{"), &step.run),
                        (format!("rb_cleanup_{n}() {{"), &step.cleanup),
                    ] {
                        if let Some(text) = text {
                            if let Some(mut r) = region_for(ctx, &script, &header, proc, text) {
                                r.runbook =
                                    Some((p.id.get_ref().clone(), step.id.get_ref().clone()));
                                rs.push(r);
                            }
                        }
                    }
                }
                for f in spec.functions_of(env).values() {
                    let header = format!("{}() {{", f.name);
                    let owner = if f.file.path == env.file.path {
                        Some(env)
                    } else {
                        None
                    };
                    let r = match (owner, &spec.common) {
                        (Some(env), _) => region_for(ctx, &script, &header, env, &f.function.body),
                        (None, Some(common)) => {
                            region_for(ctx, &script, &header, common, &f.function.body)
                        }
                        (None, None) => None,
                    };
                    rs.extend(r);
                }
                scripts.push(script);
                regions.push(rs);
            }
        }
        let results = match sc::check(&binary, &identity, &scripts, ctx.cache_dir.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                out.push(Diagnostic::error(
                    "RB014",
                    format!("ShellCheck failed: {e:#}"),
                ));
                return;
            }
        };
        for (comments, rs) in results.iter().zip(&regions) {
            for c in comments {
                let Some(r) = rs
                    .iter()
                    .find(|r| c.line >= r.first_line && c.line < r.first_line + r.lines)
                else {
                    // Outside spec text: the template itself is at fault.
                    out.push(
                        Diagnostic::error(
                            "RB014",
                            format!(
                                "SC{} ({}) in rbgen's generated code, line {}: {}",
                                c.code, c.level, c.line, c.message
                            ),
                        )
                        .help("this is a bug in rbgen's script template; please report it"),
                    );
                    continue;
                };
                let mut d = Diagnostic::error("RB014", format!("SC{}: {}", c.code, c.message))
                    .at((r.locate)(c.line - r.first_line, c.column))
                    .help(format!("see https://www.shellcheck.net/wiki/SC{}", c.code));
                if let Some((rb, step)) = &r.runbook {
                    d = d.in_runbook(rb, Some(step));
                }
                out.push(d);
            }
        }
    }
}
