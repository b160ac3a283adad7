//! One file per rule, named for what it flags.

pub mod branch_condition;
pub mod broken_link;
pub mod catalog_version;
pub mod decision_tree;
pub mod endless_command;
pub mod fault_without_cleanup;
pub mod hard_coded_secret;
pub mod implicit_host;
pub mod interactive_prompt;
pub mod missing_metadata;
pub mod numbered_step_title;
pub mod probe_changes_state;
pub mod promotion_without_gate;
pub mod shellcheck;
pub mod stale_drill;
pub mod stale_review;
pub mod stale_role_host;
pub mod tool_version;
pub mod unconfirmed_destructive;
pub mod undefined_variable;
pub mod undrilled_runbook;
pub mod unguarded_target;
pub mod unknown_output_field;
pub mod unknown_reference;
pub mod unresolved_prose_reference;
pub mod untargeted_step;
pub mod unused_variable;
pub mod unused_waiver;
pub mod version_not_bumped;
pub mod wait_falls_through;

/// Names bash or the login environment defines (kept with the shell model:
/// `rbgen import` needs them too).
pub use crate::shell::WELL_KNOWN;
