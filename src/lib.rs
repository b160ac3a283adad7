//! rbgen: incident runbooks as a checked build artifact.
//!
//! Pipeline: `spec` (load TOML, keep spans, validate) → `gen` (scripts, book,
//! sheets) → `gen::write` (atomic write or drift check); `lint` reads the same
//! spec and reports `diagnostic`s.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod drill_report;
pub mod generate;
pub mod git;
pub mod init;
pub mod lint;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod semantics;
pub mod shell;
pub mod source;
pub mod spec;

/// The example spec compiled into the binary (for `rbgen init`).
pub mod example {
    include!(concat!(env!("OUT_DIR"), "/example_spec.rs"));
}
