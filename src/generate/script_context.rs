//! What `templates/script.sh.tera` is given: the contract between rbgen and
//! anyone who writes their own script template (`--templates DIR`). Every
//! field is documented here, and `rbgen schema --template script` prints it
//! as a JSON Schema. Spec text in it is data: a template must pass it
//! through the `sh` filter (single quotes) unless the field says it is
//! shell code (`body`, `cleanup`, a condition's `test`).

use schemars::JsonSchema;
use serde::Serialize;

pub use crate::semantics::wrapper::Wrapper;

/// One script: a runbook or drill in one environment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ScriptContext {
    /// `rbgen 0.1.0`: what wrote the script.
    pub generator: String,
    /// The project's name (`rbgen.toml`).
    pub project: String,
    pub proc: ProcInfo,
    pub env: EnvInfo,
    /// The environment's shell functions the steps call (in every shell
    /// field, transitively), in name order.
    pub functions: Vec<FunctionInfo>,
    /// Runbook parameters, asked for or passed as `--flag VALUE`.
    pub params: Vec<ParamInfo>,
    /// Secrets the steps or their functions read: exported by the operator
    /// or asked for without echo, never written anywhere.
    pub secrets: Vec<SecretInfo>,
    /// Checklists the script walks: the procedure's `before` lists and the
    /// steps' gates.
    pub checklists: Vec<ChecklistInfo>,
    /// Function names (`ChecklistInfo::fn`) of the `before` checklists, in order.
    pub before: Vec<String>,
    /// Warnings printed before the first step.
    pub warnings: Vec<String>,
    /// Decisions the operator takes during the run.
    pub choices: Vec<ChoiceInfo>,
    /// The steps this environment has, in order.
    pub steps: Vec<StepInfo>,
    /// What `--list` prints, line by line: the steps in aligned columns,
    /// each with its gate, confirmation, timeout and branch.
    pub list: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProcInfo {
    pub id: String,
    /// `runbook` or `drill`.
    pub kind: String,
    pub title: String,
    /// The title made safe for a `#` comment (one line, no control characters).
    pub title_comment: String,
    /// The procedure's version, `0` when it has none.
    pub version: String,
    /// Its spec file, relative to the spec's parent (`spec/runbooks/a.toml`).
    pub source: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EnvInfo {
    pub id: String,
    /// Directories prepended to `PATH`.
    pub path: Vec<String>,
    /// Every variable of the environment (and `common.toml`), in name order.
    pub vars: Vec<VarInfo>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VarInfo {
    pub name: String,
    /// The value as written: data, to be single-quoted.
    pub value: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FunctionInfo {
    pub name: String,
    /// The description, safe for a `#` comment.
    pub description: String,
    /// Shell code: the function's body, inserted as it is.
    pub body: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ParamInfo {
    /// The variable (`FAILED_NODE`).
    pub name: String,
    /// The option without dashes (`failed-node`).
    pub flag: String,
    /// `--failed-node VALUE`, for the usage text.
    pub flag_usage: String,
    /// The description, with its example.
    pub description: String,
    pub default: Option<String>,
    /// What a terminal prompt asks.
    pub prompt: String,
    /// How a dry run shows the value when it is not given (`<FAILED_NODE>`).
    pub placeholder: String,
    /// The error when it is required and missing.
    pub missing: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SecretInfo {
    pub name: String,
    pub description: String,
    pub prompt: String,
    /// The error when it is not set and cannot be asked for.
    pub missing: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChecklistInfo {
    pub id: String,
    /// The bash function that walks it (the id with `-` made `_`).
    #[serde(rename = "fn")]
    pub fn_name: String,
    pub title: String,
    /// Each item's text, with its `how` in parentheses.
    pub items: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChoiceInfo {
    pub id: String,
    /// The shell variable holding the option picked (`RB_CHOICE_recovery`).
    pub var: String,
    pub question: String,
    pub options: Vec<OptionInfo>,
    /// The option ids joined with spaces, for the usage text.
    pub ids: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OptionInfo {
    pub id: String,
    pub label: String,
}

/// Where a step acts (`target`), and the role its hosts must have.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TargetInfo {
    /// As the spec writes it: `$MEMBER`, `dc1`, `pg-seoul-2`.
    pub label: String,
    /// Shell words (already quoted) that expand to the hosts, separated by
    /// spaces or commas: `"${MEMBER-}"`, `"${DC1_NODES-}"`, `'10.1.0.11'`.
    pub hosts: String,
    /// The role each host must have just before the step runs.
    pub role: Option<String>,
    /// The most hosts the step may act on.
    pub max: Option<u32>,
    /// Whether the target is a variable: the operator then types the host
    /// (or the number of hosts) to confirm, else the node or group name.
    pub from_var: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StepInfo {
    /// 1-based position in this environment's script.
    pub number: usize,
    /// Where the step acts, when it says.
    pub target: Option<TargetInfo>,
    pub id: String,
    pub title: String,
    /// `probe`, `change`, `destructive`, `promotion`, `fault`, `wait`, `manual`.
    pub kind: String,
    /// `spec/runbooks/a.toml:42`: where the step is written.
    pub source: String,
    /// Shell code: the step's `run`, inserted as it is; `None` for a step
    /// without commands.
    pub body: Option<String>,
    /// `body` as lines, for a dry run to print.
    pub command_lines: Vec<String>,
    pub description_lines: Vec<String>,
    /// Variables from outside the step that it reads (a dry run shows them).
    pub vars: Vec<StepVar>,
    /// Variables the step assigns itself and reads.
    pub own_vars: Vec<String>,
    /// Secrets the step reads (a dry run says only whether each is set).
    pub secret_vars: Vec<String>,
    /// `on_error = "continue"`.
    pub continue_on_error: bool,
    /// A manual step: the operator does it and says so.
    pub manual: bool,
    /// When the step runs at all.
    pub condition: Option<Condition>,
    pub optional: bool,
    /// The option of a choice this step belongs to.
    pub option: Option<StepOption>,
    /// A later step's `when` reads this step's outcome: its failure is a
    /// branch of the runbook, not the end of the run.
    pub watched: bool,
    /// How `--list` describes the step's branch ("only if step x failed").
    pub note: String,
    pub expect: Option<String>,
    pub rollback: Option<String>,
    /// The gate checklist's function name, if the step has a gate.
    pub gate_fn: Option<String>,
    /// Ask for confirmation before the step (destructive, promotion, fault).
    pub confirm: bool,
    /// Seconds before the step is stopped.
    pub timeout: Option<u64>,
    /// Variables the step hands to later steps.
    pub sets: Vec<String>,
    /// Shell code: the fault step's cleanup, run when the run ends.
    pub cleanup: Option<String>,
    /// The function the script defines around `body` (its name, opening
    /// line and the line saving `sets`): the same description RB014 wraps
    /// the spec's shell with for ShellCheck.
    pub run_wrapper: Wrapper,
    /// The function around `cleanup`.
    pub cleanup_wrapper: Wrapper,
    /// The number of the earlier fault step this step restores.
    pub restores: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StepVar {
    pub name: String,
    /// What a dry run shows when it is not set (`<unset>`, `<set by step x>`).
    pub unset: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StepOption {
    pub choice: String,
    pub var: String,
    pub option: String,
    pub label: String,
}

/// A step's `when`, as the script evaluates it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Condition {
    /// An earlier step had an outcome (`RB_OUTCOME[index]`).
    Step {
        /// 0-based index of that step in this script.
        index: Option<usize>,
        step: String,
        /// `succeeded`, `failed` or `skipped`.
        outcome: String,
    },
    /// A variable compared with a value.
    Var {
        var: String,
        /// `==` or `!=`.
        op: String,
        value: String,
    },
    /// Shell code: a test run in a subshell just before the step.
    Test { test: String },
}
