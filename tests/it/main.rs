//! rbgen's integration tests: one binary (`cargo test --test it`), one
//! module per feature. One binary links the crate once instead of once per
//! file, which was most of the suite's build time. Run one feature with
//! `cargo test --test it lint_rules::`, one test by its name.

mod architecture;
mod atomic;
mod book;
mod build;
mod catalog_version;
mod common;
mod docs;
mod drill_report;
mod foreign;
mod hostile;
mod import;
mod init_project;
mod injection;
mod lint_output;
mod lint_rules;
mod loader_errors;
mod operator_flow;
mod paper_and_terminal;
mod pr_diff;
mod pr_gate;
mod print;
mod readable_findings;
mod scripts;
mod targets;
mod unknown_output_field;
mod when_tests;
