//! The spec as written: one serde struct per file kind.
//!
//! Every struct rejects unknown keys, and every value that a diagnostic may
//! point at is `Spanned`, so positions survive from loading to linting.
//! Documentation of each field lives in `docs/spec.md`; the JSON Schema printed
//! by `rbgen schema` is derived from these types.

use super::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A spanned string; the schema sees a plain string.
pub type S = Spanned<String>;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub project: Project,
    #[serde(default)]
    pub promotion: Promotion,
    #[serde(default)]
    pub lint: LintConfig,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: S,
    pub version: S,
    pub owner: Option<S>,
    #[serde(default = "ninety")]
    pub review_interval_days: u32,
    #[serde(default = "ninety")]
    pub drill_cadence_days: u32,
}

fn ninety() -> u32 {
    90
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// `checklist-id.item-id` of every check a promotion gate must hold.
    #[serde(default)]
    pub required_checks: Vec<S>,
    /// The same for planned switchovers (`patronictl switchover`), which
    /// demote the running primary themselves; when empty, any checklist
    /// acknowledged before the switchover is enough.
    #[serde(default)]
    pub switchover_checks: Vec<S>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Rule code → "error" | "warning" | "off".
    #[serde(default)]
    pub severity: BTreeMap<S, S>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub code: S,
    pub runbook: S,
    pub step: Option<S>,
    pub reason: S,
}

/// `common.toml`: what every environment shares.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Common {
    #[serde(default)]
    pub vars: BTreeMap<S, S>,
    #[serde(default)]
    pub functions: BTreeMap<S, Function>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub description: Option<S>,
    #[serde(default)]
    pub args: Vec<String>,
    /// Bash; the function's body without the surrounding braces.
    pub body: S,
    /// What a call does, for bodies that cannot show it (an external
    /// script, a cloud API). Lint rules otherwise read the body.
    pub effect: Option<Spanned<FunctionEffect>>,
}

/// The declared effect of calling a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionEffect {
    /// Reads only: safe in a probe, whatever the body seems to do.
    ReadOnly,
    ChangesState,
    Destructive,
    Promotes,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub id: S,
    pub title: S,
    pub description: Option<S>,
    /// Directories prepended to PATH by the generated scripts.
    #[serde(default)]
    pub path: Vec<S>,
    /// Tool name → deployed version (`patroni`, `postgresql`, `etcd`).
    #[serde(default)]
    pub tools: BTreeMap<S, S>,
    #[serde(default)]
    pub vars: BTreeMap<S, S>,
    /// Name → description; the value is read from the operator's environment.
    #[serde(default)]
    pub secrets: BTreeMap<S, S>,
    #[serde(default)]
    pub groups: BTreeMap<S, Group>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub functions: BTreeMap<S, Function>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Variable exported with the space-separated hosts of the group.
    pub var: S,
    pub description: Option<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: S,
    pub host: S,
    pub site: Option<S>,
    #[serde(default)]
    pub groups: Vec<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub id: S,
    pub title: S,
    pub description: Option<S>,
    /// What the checklist is for: `failover` (the checks before an
    /// unplanned promotion), `switchover` (before a planned one), or
    /// `general`. Without it, the id and title say (see
    /// [`Checklist::purpose`]). With no `[promotion] required_checks`, only
    /// a `failover` checklist gates a failover-class promotion (RB003).
    pub purpose: Option<Spanned<ChecklistPurpose>>,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChecklistPurpose {
    Failover,
    Switchover,
    General,
}

impl Checklist {
    /// `purpose`, or what the id and title say: a checklist named for a
    /// switchover is for a switchover; one named for a promotion or a
    /// failover is for a failover; anything else is general.
    pub fn purpose(&self) -> ChecklistPurpose {
        if let Some(p) = &self.purpose {
            return *p.get_ref();
        }
        let name = format!("{} {}", self.id.get_ref(), self.title.get_ref()).to_lowercase();
        if name.contains("switchover") {
            ChecklistPurpose::Switchover
        } else if ["promot", "failover", "fail-over", "fail over"]
            .iter()
            .any(|w| name.contains(w))
        {
            ChecklistPurpose::Failover
        } else {
            ChecklistPurpose::General
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: S,
    pub text: S,
    /// How to verify the item.
    pub how: Option<S>,
    /// Who does it: a follow-up item (`after` of a runbook) prints with it.
    pub owner: Option<S>,
}

/// A related document: a path in the repository (relative to the file
/// that names it, checked by RB030) or a URL (left as is).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub title: S,
    pub href: S,
}

/// Whether a link target is a URL (or an in-page anchor) rather than a path
/// in the repository: lint checks paths only, the book rebases paths only.
pub fn is_url(href: &str) -> bool {
    href.contains("://") || href.starts_with("mailto:") || href.starts_with('#')
}

/// A runbook (`runbooks/*.toml`) or a drill (`drills/*.toml`). Both compile to
/// the same kind of script; the drill-only fields are rejected in runbooks by
/// the loader.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub id: S,
    pub title: S,
    pub version: Option<S>,
    #[schemars(with = "Option<String>")]
    pub last_reviewed: Option<Spanned<toml::value::Datetime>>,
    pub owner: Option<S>,
    pub trigger: Option<S>,
    pub summary: Option<S>,
    /// Longer Markdown shown under the summary: background, context, what
    /// the procedure assumes.
    pub description: Option<S>,
    /// Free Markdown: severity, category, audience ("SEV1, unplanned").
    pub classification: Option<S>,
    /// Related documents.
    #[serde(default)]
    pub links: Vec<Link>,
    pub rto: Option<S>,
    pub rpo: Option<S>,
    #[serde(default)]
    pub warnings: Vec<S>,
    /// Checklists acknowledged before the first step.
    #[serde(default)]
    pub before: Vec<S>,
    /// Follow-up checklists: done after the runbook, not gates. Printed at
    /// its end with tick boxes and owners, and listed by the script when
    /// the run ends.
    #[serde(default)]
    pub after: Vec<S>,
    pub environments: Option<Vec<S>>,
    /// Tool name → minimum version.
    #[serde(default)]
    pub requires: BTreeMap<S, S>,
    #[serde(default)]
    pub params: Vec<Param>,
    /// Alternatives the operator picks between (see `Step::option`).
    #[serde(default)]
    pub choices: Vec<Choice>,
    pub steps: Vec<Step>,

    // Drill-only fields.
    pub scenario: Option<Spanned<u32>>,
    pub goal: Option<S>,
    #[schemars(with = "Option<String>")]
    pub last_performed: Option<Spanned<toml::value::Datetime>>,
    /// A drill never performed yet: the date it must first be performed by.
    /// RB013 accepts it in place of `last_performed`; once it has passed,
    /// RB005 warns until a passing record (or `last_performed`) exists.
    #[schemars(with = "Option<String>")]
    pub due: Option<Spanned<toml::value::Datetime>>,
    pub cadence_days: Option<Spanned<u32>>,
    pub preparation: Option<S>,
    pub is_preparation: Option<Spanned<bool>>,
    /// Runbooks this drill runs through their generated scripts (`run_runbook`
    /// in the example): RB019 warns about a runbook no drill exercises, and
    /// the book shows, per runbook, the drills that exercise it.
    #[serde(default)]
    pub exercises: Vec<S>,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: S,
    pub description: S,
    pub example: Option<S>,
    pub default: Option<S>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Probe,
    Change,
    Destructive,
    Promotion,
    Fault,
    Wait,
    Manual,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Probe => "probe",
            StepKind::Change => "change",
            StepKind::Destructive => "destructive",
            StepKind::Promotion => "promotion",
            StepKind::Fault => "fault",
            StepKind::Wait => "wait",
            StepKind::Manual => "manual",
        }
    }

    /// Kinds that always ask before running.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            StepKind::Destructive | StepKind::Promotion | StepKind::Fault
        )
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: S,
    pub title: S,
    pub kind: Spanned<StepKind>,
    pub description: Option<S>,
    pub run: Option<S>,
    pub expect: Option<S>,
    pub gate: Option<S>,
    pub rollback: Option<S>,
    pub cleanup: Option<S>,
    pub restores: Option<S>,
    pub timeout: Option<S>,
    #[serde(default)]
    pub sets: Vec<S>,
    pub confirm: Option<Spanned<bool>>,
    pub environments: Option<Vec<S>>,
    /// What a failing command does to the rest of the step: "stop" (the
    /// default for every kind but probes) or "continue" (the default for
    /// probes: every check runs, each failure is shown, the step fails if
    /// any did).
    pub on_error: Option<Spanned<OnError>>,
    /// Run the step only when this holds (else it is skipped, and the run
    /// goes on).
    pub when: Option<When>,
    /// The operator may decline the step without ending the run.
    pub optional: Option<Spanned<bool>>,
    /// `choice.option`: the step belongs to one alternative of a choice in
    /// `[[choices]]`, and runs only when the operator picks that option.
    pub option: Option<S>,
    /// Where the step acts: a node's name, a group's name, or `$NAME` (a
    /// parameter, variable or a value an earlier step `sets`) holding one
    /// or more hosts; several of these separated by spaces. The confirmation names these hosts, and `role` is
    /// checked on each of them just before the step runs.
    pub target: Option<S>,
    /// The role every target must have when the step runs, as the
    /// environment's `node_role HOST` function prints it: `primary`,
    /// `replica`, `standby-leader`, `stopped` (also met by an unreachable
    /// host), `any`, or a role the team's function defines.
    pub role: Option<S>,
    /// The most hosts the step may act on: a group or a list in a variable
    /// with more stops the run before anything is asked or done.
    pub max_targets: Option<Spanned<u32>>,
}

/// The variables a target word is built from (`$CLUSTER-0` → `CLUSTER`),
/// or `None` when the word has a `$` that is not a plain name, or quotes,
/// backslashes or backquotes: a target is data, never shell code.
pub fn target_word_vars(word: &str) -> Option<Vec<&str>> {
    if word.contains(['"', '\'', '\\', '`', '(', ')', ';', '|', '&', '<', '>']) {
        return None;
    }
    let mut vars = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        let after = &rest[at + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}')?;
                (&inner[..end], &inner[end + 1..])
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return None;
        }
        vars.push(name);
        rest = tail;
    }
    Some(vars)
}

/// The environment function that reads a host's role (`node_role HOST`),
/// used by every step that declares a `role`.
pub const ROLE_FUNCTION: &str = "node_role";

impl Step {
    /// The items of `target`: node names, group names and `$NAME`s.
    pub fn target_items(&self) -> Vec<&str> {
        self.target
            .as_ref()
            .map(|t| t.get_ref().split_whitespace().collect())
            .unwrap_or_default()
    }

    /// Whether the script asks before running the step: `confirm` when
    /// given, else what the kind requires.
    pub fn asks_confirmation(&self) -> bool {
        if *self.kind.get_ref() == StepKind::Promotion {
            // The loader rejects `confirm = false` here; a promotion asks.
            return true;
        }
        match &self.confirm {
            Some(c) => *c.get_ref(),
            None => self.kind.get_ref().needs_confirmation(),
        }
    }

    /// What a failing command does: `on_error` when given, else `continue`
    /// for probes (every check runs) and `stop` for every other kind.
    pub fn effective_on_error(&self) -> OnError {
        match self.on_error.as_ref().map(|o| *o.get_ref()) {
            Some(o) => o,
            None if *self.kind.get_ref() == StepKind::Probe => OnError::Continue,
            None => OnError::Stop,
        }
    }
}

/// A condition on a step: exactly one of `step`, `var`, `test`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// An earlier step, and the outcome it must have had (default `succeeded`).
    pub step: Option<S>,
    pub outcome: Option<Spanned<Outcome>>,
    /// A variable (set by an earlier step's `sets`, a parameter or the
    /// environment) compared with `equals` or `not_equals`.
    pub var: Option<S>,
    pub equals: Option<S>,
    pub not_equals: Option<S>,
    /// A shell test run just before the step (`[[ -n $X ]]`); the step runs
    /// when it succeeds.
    pub test: Option<S>,
    /// The `test` in plain words, for paper, the book and `--list`
    /// ("the old primary is not one of the DC2 nodes"). Usual tests are
    /// put into words without it.
    pub says: Option<S>,
}

impl When {
    /// The outcome `step` must have had (`succeeded` unless said).
    pub fn outcome(&self) -> Outcome {
        self.outcome
            .as_ref()
            .map(|o| *o.get_ref())
            .unwrap_or(Outcome::Succeeded)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Succeeded,
    Failed,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// A choice between alternatives the operator picks (`--choose ID=OPTION`
/// when unattended); each step of an alternative names it in `option`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: S,
    pub question: S,
    pub options: Vec<ChoiceOption>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub id: S,
    pub label: S,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    Stop,
    Continue,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: S,
    pub item: S,
    pub target: S,
    /// The largest acceptable value: seconds, or rows with `unit = "rows"`.
    pub max_seconds: Spanned<f64>,
    /// `"seconds"` (the default) or `"rows"`: what a `mark` value counts.
    pub unit: Option<S>,
    pub from: Option<S>,
    pub to: Option<S>,
    pub mark: Option<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionTree {
    pub start: S,
    pub questions: Vec<Question>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: S,
    pub text: S,
    pub help: Option<S>,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub answer: S,
    pub next: Option<S>,
    pub runbook: Option<S>,
    pub action: Option<S>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postmortem {
    pub title: S,
    pub description: Option<S>,
    pub checks_runbook: Option<S>,
    pub checklist: Option<S>,
    pub template: S,
}

/// One drill run, written by `rbgen drill report --record` from the drill's
/// log and committed beside the spec (`drills/records/`): reviewable in a
/// pull request, and the date RB005 and the book use.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillRecord {
    pub drill: S,
    pub drill_version: Option<S>,
    pub environment: S,
    /// When the drill's log starts and ends (UTC).
    #[schemars(with = "String")]
    pub started: Spanned<toml::value::Datetime>,
    #[schemars(with = "String")]
    pub finished: Spanned<toml::value::Datetime>,
    /// Every target met.
    pub passed: Spanned<bool>,
    /// SHA-256 of the log(s) the record was made from, in order.
    pub log_sha256: S,
    /// Tool versions of the environment at the time.
    #[serde(default)]
    pub tools: BTreeMap<S, S>,
    #[serde(default)]
    pub targets: Vec<RecordedTarget>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedTarget {
    pub id: S,
    pub item: S,
    pub target: S,
    /// The measured figure; absent when it was not measured.
    pub seconds: Option<Spanned<f64>>,
    pub max_seconds: Spanned<f64>,
    pub unit: Option<S>,
    pub ok: Spanned<bool>,
}

/// A reference page (`pages/*.md`): Markdown that is not a procedure —
/// configuration excerpts, architecture, contacts. The book shows it as a
/// chapter, the binder as an appendix; prose points at it with
/// `[[page-id]]` or `[[page-id#heading]]`.
#[derive(Debug)]
pub struct Page {
    /// The file name without `.md`.
    pub id: String,
    /// The first `#` heading, else the id.
    pub title: String,
    /// The Markdown as written; its span is the whole file, so RB018 can
    /// point into it.
    pub text: Spanned<String>,
    /// `(anchor, heading text)` of every heading, in order.
    pub headings: Vec<(String, String)>,
}

/// The anchor mdBook gives a heading: lower case, spaces to `-`, and only
/// letters, digits, `-` and `_` kept.
pub fn heading_anchor(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect::<String>()
        .to_lowercase()
}

impl Page {
    /// Read a page from its Markdown.
    pub fn parse(id: &str, text: &str) -> Page {
        use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
        let mut headings = Vec::new();
        let mut title = None;
        let mut current: Option<(HeadingLevel, String)> = None;
        for event in Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS) {
            match event {
                Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, h)) = &mut current {
                        h.push_str(&t);
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, h)) = current.take() {
                        if level == HeadingLevel::H1 && title.is_none() {
                            title = Some(h.clone());
                        }
                        headings.push((heading_anchor(&h), h));
                    }
                }
                _ => {}
            }
        }
        Page {
            id: id.to_string(),
            title: title.unwrap_or_else(|| id.to_string()),
            text: Spanned::new(0..text.len(), text.to_string()),
            headings,
        }
    }
}
