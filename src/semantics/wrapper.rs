//! How a generated script wraps a step's shell: the function it defines
//! around the step's `run` (which saves the step's `sets` at its end) and
//! around a fault's `cleanup`.
//!
//! One description for both sides of a contract: the script template
//! renders these lines from its context (`StepInfo::run_wrapper`), and RB014
//! wraps the spec's shell the same way for ShellCheck and finds the bodies
//! in scripts made with `--templates` by the same opening line. A template
//! and the linter cannot drift apart silently.

use schemars::JsonSchema;
use serde::Serialize;

/// The function around one shell field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Wrapper {
    /// The function's name (`rb_step_3`).
    pub name: String,
    /// The line that opens it (`rb_step_3() {`); the field's text follows.
    pub open: String,
    /// The line after the text that saves the step's `sets` for later steps
    /// (`  rb_save_vars NEW_PRIMARY`), if it has any; then `}` closes it.
    pub saves: Option<String>,
}

/// The function around step `number`'s `run` (1-based, in its script).
pub fn run(number: usize, sets: &[&str]) -> Wrapper {
    let name = format!("rb_step_{number}");
    Wrapper {
        open: format!("{name}() {{"),
        saves: (!sets.is_empty()).then(|| format!("  rb_save_vars {}", sets.join(" "))),
        name,
    }
}

/// The function around step `number`'s `cleanup`.
pub fn cleanup(number: usize) -> Wrapper {
    let name = format!("rb_cleanup_{number}");
    Wrapper {
        open: format!("{name}() {{"),
        saves: None,
        name,
    }
}
