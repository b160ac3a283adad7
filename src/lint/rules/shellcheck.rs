use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::shellcheck as sc;
use crate::lint::{Check, LintContext};
use crate::semantics::{FieldKind, shell_fields, steps_in, wrapper};
use crate::source::Location;
use crate::spec::model::S;

declare_rule! {
    /// ## What it catches
    /// ShellCheck findings (real ShellCheck, `-f json1`) in each step's `run`,
    /// each fault's `cleanup` and each shell function, reported at the exact
    /// line and column of the TOML, with the SC code in the message.
    ///
    /// What is checked is the spec's own shell, each distinct body once,
    /// wrapped as the generated script wraps it (steps and cleanups as
    /// functions, `sets` saved after the step, the spec's functions by
    /// name) after a preamble that declares every variable, secret, group
    /// and parameter, so ShellCheck sees what the script will see. The
    /// runner around it is rbgen's own code, kept clean by rbgen's tests;
    /// with `rbgen lint --templates DIR` the complete scripts made from
    /// those templates are checked too, and findings in the templates are
    /// reported against them.
    ///
    /// The bodies are split over one ShellCheck process per core; results
    /// are cached by content (in `$XDG_CACHE_HOME/rbgen/shellcheck`), so
    /// re-linting an unchanged spec starts no ShellCheck at all. Without
    /// `shellcheck` on the PATH this rule reports one warning (an error under
    /// `--deny warnings` or `CI=true`). SC2209 on an assignment RB008
    /// reports as a secret is not repeated.
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

/// ShellCheck checks that say again what another rule says about the same
/// line: that rule's finding is the precise one (`PGPASSWORD=admin psql` is
/// a hard-coded secret, not "use var=$(command)"), so lint drops the
/// ShellCheck finding.
pub const RESTATED: &[(&str, &str)] = &[("SC2209", "RB008"), ("SC2154", "RB001")];

/// A region of a generated script that came from one spec string.
struct Region<'a> {
    first_line: usize,
    lines: usize,
    locate: Box<dyn Fn(usize, usize) -> Location + 'a>,
    runbook: Option<(String, String)>,
    /// The spec text the region shows (trimmed at the end).
    text: &'a str,
}

fn region_for<'a, T>(
    ctx: &'a LintContext,
    script: &str,
    header: &str,
    doc: &'a crate::spec::Doc<T>,
    text: &'a S,
) -> Option<Region<'a>> {
    let idx = script.lines().position(|l| l == header)?;
    Some(region_at(ctx, idx + 2, doc, text))
}

impl Check for ShellCheck {
    fn enabled(ctx: &LintContext) -> bool {
        ctx.shellcheck
    }

    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let Some((binary, identity)) = sc::find() else {
            let mut d = Diagnostic::finding(
                "shellcheck is not installed: the bash in the spec was not checked",
            )
            .help(
                "install ShellCheck (e.g. `apt-get install shellcheck`), or pass `--no-shellcheck`",
            );
            // Outside CI a missing tool should not fail a local lint.
            if !ctx.strict {
                d.fixed_severity = Some(Severity::Warning);
            }
            out.push(d);
            return;
        };
        // The project's `.shellcheckrc` (`disable=SC2086`…) applies as it
        // would if ShellCheck ran beside the spec: the checked files are
        // temporary, so it goes with them, and into the cache key.
        let rc = shellcheckrc(&ctx.spec.root);
        let identity = match &rc {
            Some(rc) => format!("{identity}\0{rc}"),
            None => identity,
        };
        let sc_binary = sc::ShellCheck {
            binary: &binary,
            identity: &identity,
            rc: rc.as_deref(),
        };
        let (files, regions) = spec_shell_files(ctx);
        report(ctx, &sc_binary, &files, &regions, false, out);
        match &ctx.template_scripts {
            None => {}
            Some(Ok(rendered)) => {
                let (scripts, regions) = template_script_regions(ctx, rendered);
                report(ctx, &sc_binary, &scripts, &regions, true, out)
            }
            Some(Err(e)) => out.push(Diagnostic::finding(format!(
                "cannot generate the scripts to check: {e}"
            ))),
        }
    }
}

/// Run ShellCheck on `files` and report each comment at its place in the
/// spec. Comments outside every region are about rbgen's own code: the
/// preamble of the spec files (never reported), or with `templates` the
/// user's template (reported; and then spec regions are already covered).
fn report(
    ctx: &LintContext,
    shellcheck: &sc::ShellCheck,
    files: &[String],
    regions: &[Vec<Region>],
    templates: bool,
    out: &mut Vec<Diagnostic>,
) {
    let results = match shellcheck.check(files, ctx.cache_dir.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            out.push(Diagnostic::finding(format!("ShellCheck failed: {e:#}")));
            return;
        }
    };
    for (comments, rs) in results.iter().zip(regions) {
        for c in comments {
            let region = rs
                .iter()
                .find(|r| c.line >= r.first_line && c.line < r.first_line + r.lines);
            match (region, templates) {
                (Some(r), false) => {
                    if c.code == 2016 && shell_expands_it(ctx, r.text, c.line - r.first_line, c.column) {
                        continue;
                    }
                    let mut d = Diagnostic::finding(format!("SC{}: {}", c.code, c.message))
                        .subcode(format!("SC{}", c.code))
                        .at((r.locate)(c.line - r.first_line, c.column))
                        .help(format!("see https://www.shellcheck.net/wiki/SC{}", c.code));
                    // ShellCheck's own level carries over, unless `rbgen.toml`
                    // sets one for RB014 as a whole.
                    if ctx.config.configured(<ShellCheck as crate::lint::RuleMeta>::CODE).is_none() {
                        d.fixed_severity = Some(level_of(&c.level));
                    }
                    if let Some((rb, step)) = &r.runbook {
                        d = d.in_runbook(rb, Some(step));
                    }
                    out.push(d);
                }
                (None, true) => out.push(
                    Diagnostic::finding(format!("SC{} ({}) in the script template, generated line {}: {}", c.code, c.level, c.line, c.message),
                    )
                    .subcode(format!("SC{}", c.code))
                    .fixed_severity(level_of(&c.level))
                    .help("fix the template given with --templates (rbgen's built-in templates are checked by rbgen's own tests)"),
                ),
                _ => {}
            }
        }
    }
}

/// The `.shellcheckrc` ShellCheck would read for a script in the spec
/// directory: the first one in it or a directory above it. (Without one,
/// ShellCheck reads the user's own, as it does for the temporary files.)
fn shellcheckrc(spec_root: &std::path::Path) -> Option<String> {
    let start = std::path::absolute(spec_root).ok()?;
    start
        .ancestors()
        .map(|dir| dir.join(".shellcheckrc"))
        .find(|rc| rc.is_file())
        .and_then(|rc| std::fs::read_to_string(rc).ok())
}

/// SC2016 ("expressions don't expand in single quotes") is wrong about a
/// string that a command runs through a shell of its own — `watch -n 1
/// 'patronictl -c $PATRONI_CONFIG list'`, `bash -c '…'`, `su -c '…'` — when
/// every variable in it is one the script exports (the environment's vars
/// and secrets, or the login environment's): that shell expands them. Nor
/// is it right about an `aws`/`az` `--query` (JMESPath, whose literals are
/// written in backquotes).
fn shell_expands_it(ctx: &LintContext, text: &str, line: usize, column: usize) -> bool {
    let Some(line_start) = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .nth(line)
    else {
        return false;
    };
    let offset = line_start
        + text[line_start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(0, |(b, _)| b);
    let model = crate::shell::command::commands(text);
    let Some((command, i)) = model.commands.iter().find_map(|c| {
        c.args
            .iter()
            .position(|w| w.range.contains(&offset))
            .map(|i| (c, i))
    }) else {
        return false;
    };
    let before = |flag: &str| i > 0 && command.args[i - 1].text == flag;
    // A JMESPath query (`aws … --query 'X[?W==`true`]'`): its backquotes are
    // JMESPath literals, nothing a shell would expand.
    if matches!(command.name(), "aws" | "az") && before("--query") {
        return true;
    }
    let through_shell = match command.name() {
        "watch" => true,
        "bash" | "sh" | "dash" | "zsh" => before("-c"),
        "su" | "runuser" | "flock" => before("-c") || before("--command"),
        _ => false,
    };
    let exported = |name: &str| {
        super::WELL_KNOWN.contains(&name)
            || ctx.spec.environments.iter().any(|e| {
                e.doc
                    .vars
                    .keys()
                    .chain(e.doc.secrets.keys())
                    .any(|k| k.get_ref() == name)
            })
            || ctx
                .spec
                .common
                .as_ref()
                .is_some_and(|c| c.doc.vars.keys().any(|k| k.get_ref() == name))
    };
    through_shell
        && crate::shell::analysis::analyse(&command.args[i].text)
            .uses
            .iter()
            .all(|u| exported(&u.name))
}

/// ShellCheck's level as rbgen's: `error` and `warning` keep theirs, `info`
/// and `style` are notes (shown, never failing a run).
fn level_of(shellcheck_level: &str) -> Severity {
    match shellcheck_level {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Note,
    }
}

/// One piece of the spec's shell, as it goes into a ShellCheck file.
struct Unit<'a> {
    /// The lines before and after the body (`rb_step_3() {` … `}`).
    open: String,
    close: String,
    text: &'a S,
    locate_in: Locate<'a>,
    runbook: Option<(String, String)>,
    lines: usize,
    /// Units of one procedure share a file: a variable one step sets is
    /// used by a later one (SC2034 otherwise).
    group: usize,
}

/// The file a unit's text belongs to.
#[derive(Clone, Copy)]
enum Locate<'a> {
    Procedure(&'a crate::spec::Doc<crate::spec::model::Procedure>),
    Environment(&'a crate::spec::Doc<crate::spec::model::Environment>),
    Common(&'a crate::spec::Doc<crate::spec::model::Common>),
}

/// The units of the spec's shell, each distinct body once, and the names
/// the preamble declares.
#[derive(Default)]
struct Collected<'a> {
    units: Vec<Unit<'a>>,
    seen: std::collections::HashSet<String>,
    preamble_names: std::collections::BTreeSet<String>,
}

impl<'a> Collected<'a> {
    /// Add `unit` unless its text is blank or `key` (what makes two units
    /// the same for ShellCheck) was added before.
    fn add(&mut self, key: String, mut unit: Unit<'a>) {
        if !unit.text.get_ref().trim().is_empty() && self.seen.insert(key) {
            unit.lines = unit.text.get_ref().trim_end().lines().count().max(1);
            self.units.push(unit);
        }
    }
}

/// Every shell field of every step, wrapped as the script wraps it, and
/// every function of every environment and of common.toml.
fn collect_units<'a>(ctx: &'a LintContext) -> Collected<'a> {
    let spec = ctx.spec;
    let mut c = Collected::default();
    let mut counter = 0usize;
    let mut group = 0usize;
    for (_, proc) in spec.procedures() {
        group += 1;
        let p = &proc.doc;
        c.preamble_names
            .extend(p.params.iter().map(|param| param.name.get_ref().clone()));
        for step in &p.steps {
            let runbook = Some((p.id.get_ref().clone(), step.id.get_ref().clone()));
            for field in shell_fields(step) {
                counter += 1;
                let (key, open, close) = match field.kind {
                    // Wrapped as the script wraps them (`semantics::wrapper`,
                    // the description the template renders).
                    FieldKind::Run => {
                        let sets: Vec<&str> =
                            step.sets.iter().map(|v| v.get_ref().as_str()).collect();
                        let w = wrapper::run(counter, &sets);
                        // `sets` variables are saved by name (`${!name}`),
                        // which ShellCheck does not count as a use; the
                        // script also reads them in later steps and conditions.
                        let close = match &w.saves {
                            None => "}".to_string(),
                            Some(saves) => {
                                let uses: String =
                                    sets.iter().map(|v| format!(" \"${{{v}-}}\"")).collect();
                                format!("{saves}\n  :{uses}\n}}")
                            }
                        };
                        (format!("step\0 {}", sets.join(" ")), w.open, close)
                    }
                    FieldKind::Cleanup => {
                        ("cleanup".into(), wrapper::cleanup(counter).open, "}".into())
                    }
                    // The script runs the test in a subshell just before the step.
                    FieldKind::WhenTest => {
                        ("when".into(), format!("rb_when_{counter}() {{"), "}".into())
                    }
                };
                c.add(
                    format!("{key}\0{}", field.text.get_ref()),
                    Unit {
                        open,
                        close,
                        text: field.text,
                        locate_in: Locate::Procedure(proc),
                        runbook: runbook.clone(),
                        lines: 0,
                        group,
                    },
                );
            }
        }
    }
    // Functions of every environment and of common.toml, each distinct body once.
    let mut function_sources: Vec<(&crate::spec::model::Function, &S, Locate)> = Vec::new();
    for env in &spec.environments {
        c.preamble_names
            .extend(env.doc.vars.keys().map(|k| k.get_ref().clone()));
        c.preamble_names
            .extend(env.doc.secrets.keys().map(|k| k.get_ref().clone()));
        c.preamble_names
            .extend(env.doc.groups.values().map(|g| g.var.get_ref().clone()));
        function_sources.extend(
            env.doc
                .functions
                .iter()
                .map(|(n, f)| (f, n, Locate::Environment(env))),
        );
    }
    if let Some(common) = &spec.common {
        c.preamble_names
            .extend(common.doc.vars.keys().map(|k| k.get_ref().clone()));
        function_sources.extend(
            common
                .doc
                .functions
                .iter()
                .map(|(n, f)| (f, n, Locate::Common(common))),
        );
    }
    for (f, name, locate) in function_sources {
        group += 1;
        c.add(
            format!("fn\0{}\0{}", name.get_ref(), f.body.get_ref()),
            Unit {
                open: format!("{}() {{", name.get_ref()),
                close: "}".into(),
                text: &f.body,
                locate_in: locate,
                runbook: None,
                lines: 0,
                group,
            },
        );
    }
    c
}

/// Every distinct body of the spec's shell, as ShellCheck files (one per
/// core, balanced by lines) with the regions that map their lines back.
fn spec_shell_files<'a>(ctx: &'a LintContext) -> (Vec<String>, Vec<Vec<Region<'a>>>) {
    let Collected {
        units,
        preamble_names,
        ..
    } = collect_units(ctx);
    // Largest group first into the shortest file: even work for each process.
    let mut groups: std::collections::BTreeMap<usize, (usize, Vec<usize>)> = Default::default();
    for (i, u) in units.iter().enumerate() {
        let g = groups.entry(u.group).or_default();
        g.0 += u.lines;
        g.1.push(i);
    }
    let mut groups: Vec<(usize, Vec<usize>)> = groups.into_values().collect();
    groups.sort_by_key(|(lines, _)| std::cmp::Reverse(*lines));
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let n_files = cores.min(groups.len()).max(1);
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); n_files];
    let mut sizes = vec![0usize; n_files];
    for (lines, members) in groups {
        let b = (0..n_files).min_by_key(|b| sizes[*b]).unwrap_or(0);
        sizes[b] += lines;
        buckets[b].extend(members);
    }
    let preamble = {
        let mut p = String::from(
            "#!/usr/bin/env bash\n# rbgen lint: the spec's own shell, each distinct body once.\nset -Eeuo pipefail\nrb_save_vars() { :; }\nrb_mark() { :; }\n",
        );
        for name in &preamble_names {
            p.push_str(&format!("export {name}=''\n"));
        }
        p
    };
    let mut files = Vec::new();
    let mut all_regions = Vec::new();
    for mut bucket in buckets {
        bucket.sort_unstable(); // spec order within a file
        let mut file = preamble.clone();
        let mut line = file.lines().count() + 1;
        let mut regions = Vec::new();
        let mut calls = String::new();
        let mut defined = std::collections::HashSet::new();
        for i in bucket {
            let u = &units[i];
            let body = u.text.get_ref().trim_end();
            // Environments define the same function with different bodies;
            // a second definition in one file would leave the first
            // unreachable (SC2317), so later ones get a name of their own.
            let mut open = u.open.clone();
            if !defined.insert(open.clone()) {
                open = open.replacen("() {", &format!("_rbgen_{i}() {{"), 1);
            }
            file.push_str(&open);
            file.push('\n');
            file.push_str(body);
            file.push('\n');
            file.push_str(&u.close);
            file.push('\n');
            let first_line = line + 1;
            line += 1 + body.lines().count().max(1) + u.close.lines().count();
            // Every unit is called, with an argument, as the script calls it
            // (or ShellCheck reports the body as unreachable, SC2317).
            if let Some(name) = open.strip_suffix("() {") {
                calls.push_str(&format!("  {name} _\n"));
            }
            let mut region = match u.locate_in {
                Locate::Procedure(d) => region_at(ctx, first_line, d, u.text),
                Locate::Environment(d) => region_at(ctx, first_line, d, u.text),
                Locate::Common(d) => region_at(ctx, first_line, d, u.text),
            };
            region.runbook = u.runbook.clone();
            regions.push(region);
        }
        if !calls.is_empty() {
            file.push_str("rb_call_steps() {\n");
            file.push_str(&calls);
            file.push_str("}\nrb_call_steps\n");
        }
        files.push(file);
        all_regions.push(regions);
    }
    (files, all_regions)
}

/// The region of a body whose first line is `first_line` of its file.
fn region_at<'a, T>(
    ctx: &'a LintContext,
    first_line: usize,
    doc: &'a crate::spec::Doc<T>,
    text: &'a S,
) -> Region<'a> {
    let value = text.get_ref().trim_end();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(value.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let n = line_starts.len();
    Region {
        first_line,
        lines: n,
        locate: Box::new(move |line, col| {
            let start = line_starts[line.min(n - 1)];
            let line_text = &value[start..];
            let byte = line_text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map(|(b, _)| b)
                .unwrap_or(0);
            ctx.in_value(doc, text, start + byte..start + byte + 1)
        }),
        runbook: None,
        text: value,
    }
}

/// The complete scripts made with the user's templates (rendered by the
/// caller: lint does not run generators), and the regions of spec text in
/// each.
fn template_script_regions<'a>(
    ctx: &'a LintContext,
    rendered: &[crate::lint::RenderedScript],
) -> (Vec<String>, Vec<Vec<Region<'a>>>) {
    let spec = ctx.spec;
    let mut scripts = Vec::new();
    let mut regions: Vec<Vec<Region>> = Vec::new();
    for (_, proc) in spec.procedures() {
        let p = &proc.doc;
        for env in spec.environments_of(p) {
            let env_id = env.doc.id.get_ref();
            let Some(script) = rendered
                .iter()
                .find(|r| &r.env == env_id && &r.id == p.id.get_ref())
                .map(|r| r.text.clone())
            else {
                continue;
            };
            let mut rs = Vec::new();
            // `when` tests are inserted as they are (trimmed) into the
            // script's condition checks, in step order: each is looked for
            // after the previous one.
            let mut tests_from = 0;
            for (i, step) in steps_in(p, env_id).enumerate() {
                let n = i + 1;
                if let Some(test) = step.when.as_ref().and_then(|w| w.test.as_ref()) {
                    if let Some((mut r, end)) = when_region(ctx, &script, tests_from, proc, test) {
                        tests_from = end;
                        r.runbook = Some((p.id.get_ref().clone(), step.id.get_ref().clone()));
                        rs.push(r);
                    }
                }
                let sets: Vec<&str> = step.sets.iter().map(|v| v.get_ref().as_str()).collect();
                for (header, text) in [
                    (wrapper::run(n, &sets).open, &step.run),
                    (wrapper::cleanup(n).open, &step.cleanup),
                ] {
                    if let Some(text) = text {
                        if let Some(mut r) = region_for(ctx, &script, &header, proc, text) {
                            r.runbook = Some((p.id.get_ref().clone(), step.id.get_ref().clone()));
                            rs.push(r);
                        }
                    }
                }
            }
            for f in spec.functions_of(env).values() {
                let header = format!("{}() {{", f.name);
                let r = if f.file.path == env.file.path {
                    region_for(ctx, &script, &header, env, &f.function.body)
                } else {
                    spec.common.as_ref().and_then(|common| {
                        region_for(ctx, &script, &header, common, &f.function.body)
                    })
                };
                rs.extend(r);
            }
            scripts.push(script);
            regions.push(rs);
        }
    }
    (scripts, regions)
}

/// The region of a `when` test in a rendered script, found as the trimmed
/// text at the start of a line at or after byte `from`; with the byte where
/// it ends.
fn when_region<'a>(
    ctx: &'a LintContext,
    script: &str,
    from: usize,
    doc: &'a crate::spec::Doc<crate::spec::model::Procedure>,
    test: &'a S,
) -> Option<(Region<'a>, usize)> {
    let value = test.get_ref();
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut at = from;
    let start = loop {
        let found = at + script.get(at..)?.find(trimmed)?;
        if found == 0 || script.as_bytes()[found - 1] == b'\n' {
            break found;
        }
        at = found + 1;
    };
    // Lines the trim removed before the text: the region starts that many
    // lines earlier, so a line of the script maps to the same line of the value.
    let lead = value[..value.len() - value.trim_start().len()]
        .matches('\n')
        .count();
    let line = script[..start].matches('\n').count() + 1;
    Some((
        region_at(ctx, line.checked_sub(lead)?, doc, test),
        start + trimmed.len(),
    ))
}
