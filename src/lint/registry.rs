//! The one code table. Codes are part of rbgen's interface: never reuse or
//! renumber one. Tests check that every rule is documented and that every
//! code round-trips.

use super::Rule;
use super::rules::*;

pub static RULES: &[&dyn Rule] = &[
    &undefined_variable::UndefinedVariable,
    &unused_variable::UnusedVariable,
    &promotion_without_gate::PromotionWithoutGate,
    &stale_review::StaleReview,
    &stale_drill::StaleDrill,
    &version_not_bumped::VersionNotBumped,
    &tool_version::ToolVersion,
    &hard_coded_secret::HardCodedSecret,
    &unconfirmed_destructive::UnconfirmedDestructive,
    &fault_without_cleanup::FaultWithoutCleanup,
    &unknown_reference::UnknownReference,
    &decision_tree::DecisionTree,
    &missing_metadata::MissingMetadata,
    &shellcheck::ShellCheck,
    &unused_waiver::UnusedWaiver,
    &probe_changes_state::ProbeChangesState,
    &branch_condition::BranchCondition,
    &unresolved_prose_reference::UnresolvedProseReference,
    &undrilled_runbook::UndrilledRunbook,
    &unguarded_target::UnguardedTarget,
    &wait_falls_through::WaitFallsThrough,
    &endless_command::EndlessCommand,
    &stale_role_host::StaleRoleHost,
    &interactive_prompt::InteractivePrompt,
    &unknown_output_field::UnknownOutputField,
    &catalog_version::CatalogVersion,
    &untargeted_step::UntargetedStep,
    &implicit_host::ImplicitHost,
    &numbered_step_title::NumberedStepTitle,
    &broken_link::BrokenLink,
];

/// Look a rule up by code (`RB001`) or name (`undefined-variable`).
pub fn rule(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code().eq_ignore_ascii_case(code) || r.name() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_round_trip() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(
                r.code(),
                format!("RB{:03}", i + 1),
                "codes are dense and in order"
            );
            assert_eq!(rule(r.code()).unwrap().name(), r.name());
            assert_eq!(rule(r.name()).unwrap().code(), r.code());
        }
    }

    #[test]
    fn every_rule_is_documented_under_the_four_headings() {
        for r in RULES {
            let doc = crate::lint::doc_text(r.doc());
            for heading in [
                "## What it catches",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(doc.contains(heading), "{} lacks `{heading}`", r.code());
            }
        }
    }
}
