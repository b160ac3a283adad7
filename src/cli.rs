//! Command-line surface. Exit codes everywhere: 0 ok, 1 findings or drift,
//! 2 usage errors or unreadable input.

use crate::diagnostic::Diagnostic;
use crate::generate;
use crate::spec::{Spec, loader};
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "rbgen",
    version,
    about = "Compile incident runbooks (TOML) into checked bash scripts, a runbook book and drill sheets"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile the spec into generated/ (scripts, book, print page, drill sheets)
    Build {
        /// Spec directory (default: `spec/`, searched from the current directory upward)
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Output directory (default: `generated/` beside the spec directory)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; exit 1 and show a diff if the output directory is stale
        #[arg(long)]
        check: bool,
        /// Directory of templates overriding the built-in ones (`script.sh.tera`, …)
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// Start a runbook project in DIR: spec/ (a small starter, or `--example patroni-multi-region`), book.toml, .gitignore, CI workflow, pre-commit config, JSON Schemas and .taplo.toml
    Init {
        /// Directory of the new project (created if missing; `.` for the current one)
        dir: PathBuf,
        /// Which spec to start from: `starter` (small) or `patroni-multi-region` (the complete example)
        #[arg(long, default_value = "starter", value_name = "NAME")]
        example: String,
    },
    /// Turn Markdown runbooks into a spec draft in DIR (a new project, or `spec/` added to an existing one), never overwriting a file; then lint it
    Import {
        /// Markdown runbooks (CommonMark with GitHub task lists and tables)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The project to write into (default: the current directory)
        #[arg(long, value_name = "DIR", default_value = ".")]
        into: PathBuf,
        /// The date written as each runbook's `last_reviewed` (default: today), YYYY-MM-DD
        #[arg(long)]
        today: Option<String>,
    },
    /// The JSON Schema of each spec file kind: printed as one document, or one file per kind with `--out DIR` (for editors and taplo)
    Schema {
        /// Write one `<kind>.schema.json` per file kind into DIR
        #[arg(long, value_name = "DIR", conflicts_with = "template")]
        out: Option<PathBuf>,
        /// The context a template is rendered with instead (`script`: what
        /// `script.sh.tera` may use), for writers of `--templates DIR`
        #[arg(long, value_enum)]
        template: Option<TemplateKind>,
    },
    /// Print a shell completion script (`rbgen completions bash > /etc/bash_completion.d/rbgen`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `rbgen man > rbgen.1`
    Man,
    /// Check the spec: undefined variables, stale versions, ungated promotions and more
    Lint(LintArgs),
    /// What a pull request changes in the runbooks, for the reviewer: steps, gates, confirmations, commands, per environment
    Diff {
        /// Base revision to compare with (default in GitHub Actions: the merge base with $GITHUB_BASE_REF)
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Spec directory (default: `spec/`, searched upward)
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Output format: Markdown for a PR comment or job summary, or JSON
        #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
        format: DiffFormat,
        /// `--deny weakened`: exit 1 when a change weakens safety (a gate, confirmation, check or rollback removed, a probe that now writes)
        #[arg(long, value_name = "weakened")]
        deny: Option<DenyDiff>,
    },
    /// Lay out the printed binder for one environment as a paginated PDF
    Print {
        /// Environment id (`rbgen print --env production`)
        #[arg(long)]
        env: String,
        /// PDF file to write (default: `print/ENV.pdf` beside the spec directory)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Spec directory (default: `spec/`, searched upward)
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Write the Typst source of the binder instead of the PDF (works without the `pdf` feature)
        #[arg(long)]
        typst: bool,
        /// Extra fonts (a directory of .ttf/.otf files) for scripts the embedded Latin fonts lack, e.g. Noto Sans CJK
        #[arg(long, value_name = "DIR")]
        font_dir: Vec<PathBuf>,
    },
    /// Drill records
    #[command(subcommand)]
    Drill(DrillCommand),
    /// Print a lint rule's documentation (`rbgen explain RB003`), or list the rules
    Explain {
        /// Rule code or name; omit to list every rule
        code: Option<String>,
        /// Every rule's documentation as Markdown pages (the rule reference in docs/rules/)
        #[arg(long, conflicts_with = "code")]
        all: bool,
        /// With --all: write the pages (index.md, RB001.md, …) into DIR instead of printing them
        #[arg(long, value_name = "DIR", requires = "all")]
        out: Option<PathBuf>,
    },
}

/// A template whose context `rbgen schema --template` describes.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TemplateKind {
    /// `script.sh.tera`: one bash script per runbook and environment
    Script,
}

#[derive(Subcommand, Debug)]
pub enum DrillCommand {
    /// Fill in the drill record sheet from the drill's JSON-lines log(s); exit 1 if a target was missed
    Report {
        /// Log file(s) written by the drill script (RBGEN_LOG); add the preparation's log too if you like
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// Write the sheet here (Markdown) and beside it the same as HTML; default: Markdown to stdout
        #[arg(long)]
        sheet: Option<PathBuf>,
        /// Spec directory (default: `spec/`, searched upward)
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Names for the sheet's "Participants" line
        #[arg(long)]
        participants: Option<String>,
        /// Also write a drill record (TOML) into the spec's `drills/records/`, for review and commit; RB005 and the book read it
        #[arg(long)]
        record: bool,
        /// Write the record here instead (CI: its output folder, not the repository)
        #[arg(long, value_name = "DIR", requires = "record")]
        record_dir: Option<PathBuf>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deny {
    Warnings,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Markdown,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyDiff {
    Weakened,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Build {
            spec,
            out,
            check,
            templates,
        } => build(spec, out, check, templates),
        Command::Init { dir, example } => crate::init::run(&dir, &example),
        Command::Import { files, into, today } => {
            match crate::import::run(&files, &into, today.as_deref())? {
                Err(code) => Ok(code),
                Ok(imported) => {
                    // The draft is linted as written; its findings are the
                    // document's open questions, so they do not fail the import.
                    lint(LintArgs {
                        spec: Some(imported.spec_dir),
                        format: Format::Human,
                        deny: None,
                        today: today.clone(),
                        no_shellcheck: which_shellcheck().is_none(),
                        out: None,
                        templates: None,
                        base: None,
                        statistics: false,
                    })?;
                    Ok(0)
                }
            }
        }
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "rbgen", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory as _;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
        Command::Diff {
            base,
            spec,
            format,
            deny,
        } => diff(base, spec, format, deny.is_some()),
        Command::Print {
            env,
            out,
            spec,
            typst,
            font_dir,
        } => print(&env, out, spec, typst, &font_dir),
        Command::Lint(args) => lint(args),
        Command::Explain { all: true, out, .. } => explain_all(out.as_deref()),
        Command::Explain { code, .. } => explain(code.as_deref()),
        Command::Drill(DrillCommand::Report {
            logs,
            sheet,
            spec,
            participants,
            record,
            record_dir,
        }) => drill_report(
            &logs,
            sheet,
            spec,
            participants.as_deref(),
            record.then(|| record_dir.unwrap_or_default()),
        ),
        Command::Schema {
            template: Some(TemplateKind::Script),
            ..
        } => {
            let schema = schemars::schema_for!(crate::generate::script_context::ScriptContext);
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(0)
        }
        Command::Schema { out: None, .. } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&crate::spec::schema::schema())?
            );
            Ok(0)
        }
        Command::Schema { out: Some(dir), .. } => {
            let written = crate::spec::schema::write_dir(&dir)?;
            eprintln!("wrote {} schemas to {}", written.len(), dir.display());
            Ok(0)
        }
    }
}

/// Colour only for a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn use_color_stdout() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

pub fn print_diagnostics(diags: &[Diagnostic]) {
    let color = use_color();
    for d in diags {
        eprintln!("{}\n", d.render_human(color));
    }
}

/// Find the spec directory: `--spec`, else `spec/` from here upward.
pub fn spec_dir(arg: Option<PathBuf>) -> Result<PathBuf> {
    match arg {
        Some(dir) => Ok(dir),
        None => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            loader::discover(&cwd).ok_or_else(|| {
                anyhow::anyhow!(
                    "no spec/rbgen.toml found in {} or any parent directory\n  help: run `rbgen init` to create one, or pass `--spec DIR`",
                    cwd.display()
                )
            })
        }
    }
}

/// Load the spec, printing every error; `None` means exit 2.
pub fn load_spec(dir: &Path) -> Option<Spec> {
    match Spec::load(dir) {
        Ok(spec) => Some(spec),
        Err(mut errors) => {
            crate::diagnostic::sort_dedup(&mut errors);
            print_diagnostics(&errors);
            eprintln!(
                "error: the spec has {} error{}; nothing was written",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn build(
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
    check: bool,
    templates: Option<PathBuf>,
) -> Result<u8> {
    let spec_arg = spec.clone();
    let dir = spec_dir(spec)?;
    let Some(spec) = load_spec(&dir) else {
        return Ok(2);
    };
    let out_dir = out.clone().unwrap_or_else(|| {
        dir.parent()
            .map(|p| p.join("generated"))
            .unwrap_or_else(|| PathBuf::from("generated"))
    });
    let output = generate::build_output(&spec, templates.as_deref()).map_err(|e| {
        // Tera names a template by its built-in name; point at the file the
        // user wrote when it came from `--templates DIR`.
        let mut text = format!("{e:#}");
        if let Some(dir) = &templates {
            for (name, _) in generate::templates::BUILTIN {
                let file = dir.join(format!("{name}.tera"));
                if file.is_file() {
                    text =
                        text.replace(&format!("--> {name}:"), &format!("--> {}:", file.display()));
                }
            }
        }
        anyhow::anyhow!(text)
    })?;
    if check {
        let drift = generate::write::check(&out_dir, &output)?;
        if drift.is_clean() {
            eprintln!(
                "{} is up to date ({} files)",
                out_dir.display(),
                output.len()
            );
            return Ok(0);
        }
        for (_, diff) in &drift.changed {
            print!("{diff}");
        }
        for path in &drift.missing {
            println!("missing: {}", out_dir.join(path).display());
        }
        for path in &drift.extra {
            println!("extra: {}", out_dir.join(path).display());
        }
        let mut fix = String::from("rbgen build");
        if let Some(s) = &spec_arg {
            fix.push_str(&format!(" --spec {}", s.display()));
        }
        if let Some(o) = &out {
            fix.push_str(&format!(" --out {}", o.display()));
        }
        if let Some(t) = &templates {
            fix.push_str(&format!(" --templates {}", t.display()));
        }
        eprintln!(
            "error: {} is stale: {} changed, {} missing, {} extra\n  help: run `{fix}` and commit the result",
            out_dir.display(),
            drift.changed.len(),
            drift.missing.len(),
            drift.extra.len()
        );
        return Ok(1);
    }
    generate::write::write_atomically(&out_dir, &output)?;
    eprintln!("wrote {} files to {}", output.len(), out_dir.display());
    Ok(0)
}

fn print(
    env: &str,
    out: Option<PathBuf>,
    spec: Option<PathBuf>,
    typst: bool,
    font_dirs: &[PathBuf],
) -> Result<u8> {
    let dir = spec_dir(spec)?;
    let Some(spec) = load_spec(&dir) else {
        return Ok(2);
    };
    if spec.environment(env).is_none() {
        let ids: Vec<&str> = spec
            .environments
            .iter()
            .map(|e| e.doc.id.get_ref().as_str())
            .collect();
        eprintln!(
            "error: no environment `{env}` in {}\n  help: choose one of: {}",
            dir.display(),
            ids.join(", ")
        );
        return Ok(2);
    }
    let source = generate::paper::document(&spec, env)?;
    let ext = if typst { "typ" } else { "pdf" };
    let out = out.unwrap_or_else(|| {
        dir.parent()
            .unwrap_or(Path::new("."))
            .join("print")
            .join(format!("{env}.{ext}"))
    });
    let bytes = if typst {
        source.into_bytes()
    } else {
        let ident = format!("{}-{env}", spec.project.doc.project.name.get_ref());
        match render_pdf(&source, &ident, font_dirs) {
            Some(result) => {
                let (pdf, pages) = result?;
                eprintln!("{pages} pages");
                pdf
            }
            None => {
                eprintln!(
                    "error: this rbgen was built without the `pdf` feature, which lays out PDFs\n  help: install it with `cargo install --path . --features pdf` (or build with `cargo build --release --features pdf`), or write the Typst source with `rbgen print --env {env} --typst` and lay it out with the `typst` CLI"
                );
                return Ok(2);
            }
        }
    };
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // Written beside and renamed, so a failed run never leaves half a file.
    let tmp = out.with_extension(format!("{ext}.tmp"));
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &out).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(0)
}

#[cfg(feature = "pdf")]
fn render_pdf(
    source: &str,
    ident: &str,
    font_dirs: &[PathBuf],
) -> Option<Result<(Vec<u8>, usize)>> {
    Some(crate::pdf::render(source, ident, font_dirs))
}

#[cfg(not(feature = "pdf"))]
fn render_pdf(_: &str, _: &str, _: &[PathBuf]) -> Option<Result<(Vec<u8>, usize)>> {
    None
}

/// `rbgen lint`'s options.
#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Spec directory (default: `spec/`, searched upward)
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// `--deny warnings`: exit 1 on warnings too
    #[arg(long, value_name = "warnings")]
    pub deny: Option<Deny>,
    /// Today's date for the staleness rules (default: the clock), e.g. 2026-11-26
    #[arg(long)]
    pub today: Option<String>,
    /// Skip RB014 (ShellCheck)
    #[arg(long)]
    pub no_shellcheck: bool,
    /// Generated directory whose manifest.json RB006 compares against (default: `generated/` beside the spec)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Template directory given to `rbgen build --templates`: also ShellCheck the complete scripts it makes (RB014)
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// RB006 against this git revision instead of generated/manifest.json (the pull request's base; in GitHub Actions the merge base with $GITHUB_BASE_REF by default)
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Count findings per code instead of listing them (like ruff's `--statistics`)
    #[arg(long)]
    pub statistics: bool,
}

/// Findings go to standard output, as ruff, ShellCheck and actionlint print
/// theirs; rbgen's own errors and the summary line go to standard error.
/// GitHub annotations and SARIF name files relative to the repository root
/// (`root`), wherever rbgen was started.
fn print_findings(diags: &[Diagnostic], format: Format, root: &Path) {
    use crate::lint::output;
    match format {
        Format::Human => {
            print!("{}", output::human(diags, use_color_stdout()));
        }
        Format::Json => print!("{}", output::json_lines(diags, root)),
        Format::Sarif => print!("{}", output::sarif(diags, root)),
        Format::Github => print!("{}", output::github(diags, root)),
    }
}

/// The repository root: the git top level above the spec (a `.git`
/// directory or file), or else the spec directory's parent.
fn repo_root(spec_dir: &Path) -> PathBuf {
    let abs = std::path::absolute(spec_dir).unwrap_or_else(|_| spec_dir.to_path_buf());
    abs.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .or_else(|| abs.parent().map(Path::to_path_buf))
        .unwrap_or(abs)
}

fn lint(args: LintArgs) -> Result<u8> {
    let LintArgs {
        spec,
        format,
        deny,
        today,
        no_shellcheck,
        out,
        templates,
        base,
        statistics,
    } = args;
    let (deny_warnings, shellcheck) = (deny.is_some(), !no_shellcheck);
    let dir = spec_dir(spec)?;
    let spec = match Spec::load(&dir) {
        Ok(spec) => spec,
        Err(mut errors) => {
            crate::diagnostic::sort_dedup(&mut errors);
            print_findings(&errors, format, &repo_root(&dir));
            if format == Format::Human {
                eprintln!(
                    "error: the spec could not be read ({} error{})",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                );
            }
            return Ok(2);
        }
    };
    let today = match today {
        Some(t) => t
            .parse::<jiff::civil::Date>()
            .map_err(|e| anyhow::anyhow!("--today {t}: {e} (use YYYY-MM-DD)"))?,
        None => jiff::ZonedDateTime::now().date(),
    };
    let mut ctx = crate::lint::LintContext::new(&spec, today);
    let out_dir = out.unwrap_or_else(|| {
        dir.parent()
            .map(|p| p.join("generated"))
            .unwrap_or_else(|| PathBuf::from("generated"))
    });
    ctx.manifest = std::fs::read(out_dir.join(crate::semantics::manifest::FILE))
        .ok()
        .and_then(|b| crate::semantics::manifest::Manifest::parse(&b));
    // In a pull request RB006 compares with the base revision: the manifest
    // was rewritten by the PR's own `rbgen build`.
    if let Some(rev) = base.or_else(|| crate::git::ci_default(&dir)) {
        match crate::lint::base::manifest_at(&spec, &rev) {
            Ok(m) => {
                ctx.manifest = Some(m);
                ctx.base = Some(rev);
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(2);
            }
        }
    }
    ctx.shellcheck = shellcheck;
    ctx.cache_dir = crate::lint::shellcheck::default_cache_dir();
    ctx.strict = deny_warnings || std::env::var("CI").as_deref() == Ok("true");
    ctx.template_scripts = templates.map(|dir| {
        generate::bash::render_all(&spec, Some(&dir))
            .map(|scripts| {
                scripts
                    .into_iter()
                    .map(|(env, id, text)| crate::lint::RenderedScript { env, id, text })
                    .collect()
            })
            .map_err(|e| format!("{e:#}"))
    });
    let findings = crate::lint::run(&ctx);
    if statistics {
        let stats = crate::lint::output::statistics(&findings);
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
            _ => print!("{}", crate::lint::output::statistics_text(&stats)),
        }
    } else {
        print_findings(&findings, format, &repo_root(&dir));
    }
    let count = |level| findings.iter().filter(|d| d.severity == level).count();
    use crate::diagnostic::Severity;
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    if format == Format::Human {
        if findings.is_empty() {
            eprintln!("rbgen lint: no findings");
        } else {
            eprintln!("rbgen lint: {errors} error(s), {warnings} warning(s), {notes} note(s)");
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        1
    } else {
        0
    })
}

fn diff(base: Option<String>, spec: Option<PathBuf>, format: DiffFormat, deny: bool) -> Result<u8> {
    let dir = spec_dir(spec)?;
    let Some(rev) = base.or_else(|| crate::git::ci_default(&dir)) else {
        eprintln!(
            "error: rbgen diff needs a base revision to compare with\n  help: pass `--base main` (or the pull request's base branch or commit)"
        );
        return Ok(2);
    };
    let Some(head) = load_spec(&dir) else {
        return Ok(2);
    };
    let (_tmp, base_spec) = match crate::diff::load_base(&dir, &rev) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(2);
        }
    };
    let d = crate::diff::compare(base_spec.as_ref(), &head, &rev);
    match format {
        DiffFormat::Markdown => print!("{}", crate::diff::markdown::render(&d)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
    }
    if deny && d.weakened > 0 {
        eprintln!(
            "error: {} change{} weaken{} safety (--deny weakened)",
            d.weakened,
            if d.weakened == 1 { "" } else { "s" },
            if d.weakened == 1 { "s" } else { "" }
        );
        return Ok(1);
    }
    Ok(0)
}

/// The rule reference: printed, or written as one page per rule.
fn explain_all(out: Option<&Path>) -> Result<u8> {
    let pages = crate::lint::rule_pages();
    match out {
        None => {
            for (_, text) in &pages {
                println!("{text}");
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, text) in &pages {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            eprintln!("wrote {} pages to {}", pages.len(), dir.display());
        }
    }
    Ok(0)
}

fn explain(code: Option<&str>) -> Result<u8> {
    use crate::lint::registry;
    match code {
        None => {
            for r in registry::RULES {
                println!("{}  {:<26} {}", r.code(), r.name(), r.default_severity());
            }
            Ok(0)
        }
        Some(code) => match registry::rule(code) {
            Some(r) => {
                println!(
                    "{} {} ({} by default{})\n",
                    r.code(),
                    r.name(),
                    r.default_severity(),
                    if r.waivable() {
                        ""
                    } else {
                        "; cannot be waived"
                    }
                );
                println!("{}", crate::lint::doc_text(r.doc()));
                Ok(0)
            }
            None => {
                eprintln!(
                    "error: no rule `{code}`\n  help: `rbgen explain` lists the rules (RB001 to RB{:03})",
                    registry::RULES.len()
                );
                Ok(2)
            }
        },
    }
}

fn drill_report(
    logs: &[PathBuf],
    sheet: Option<PathBuf>,
    spec: Option<PathBuf>,
    participants: Option<&str>,
    record: Option<PathBuf>,
) -> Result<u8> {
    let dir = spec_dir(spec)?;
    let Some(spec) = load_spec(&dir) else {
        return Ok(2);
    };
    let mut parsed = Vec::new();
    for log in logs {
        match crate::drill_report::read_log(log) {
            Ok(events) => parsed.push((log.display().to_string(), events)),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(2);
            }
        }
    }
    let (p, filled, ok) = match crate::drill_report::report(&spec, &parsed, participants) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(2);
        }
    };
    let (md, html) = crate::drill_report::render(&spec, &p, &filled)?;
    match sheet {
        Some(path) => {
            std::fs::write(&path, &md)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let html_path = path.with_extension("html");
            std::fs::write(&html_path, &html)
                .with_context(|| format!("cannot write {}", html_path.display()))?;
            eprintln!("wrote {} and {}", path.display(), html_path.display());
        }
        None => print!("{md}"),
    }
    if let Some(dir) = record {
        let dir = if dir.as_os_str().is_empty() {
            spec.root.join("drills/records")
        } else {
            dir
        };
        let mut raw = Vec::new();
        for log in logs {
            raw.push(std::fs::read(log).with_context(|| format!("cannot read {}", log.display()))?);
        }
        let (name, text) = crate::drill_report::record(&spec, &parsed, &raw, &filled, ok)?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote the drill record {}", path.display());
    }
    for row in filled["rows"].as_array().into_iter().flatten() {
        eprintln!(
            "  {:<28} target {:<18} actual {:<22} {}",
            row["item"].as_str().unwrap_or(""),
            row["target"].as_str().unwrap_or(""),
            row["actual"].as_str().unwrap_or(""),
            row["achieved"].as_str().unwrap_or("")
        );
    }
    if ok {
        eprintln!("every target was met");
        Ok(0)
    } else {
        eprintln!("error: at least one target was missed (NG)");
        Ok(1)
    }
}

/// ShellCheck on PATH, if any: an import lints without it rather than fail.
fn which_shellcheck() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("shellcheck"))
            .find(|p| p.is_file())
    })
}
