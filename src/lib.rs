//! rbgen: incident runbooks as a checked build artifact.
//!
//! Layers (ARCHITECTURE.md): `spec` (load TOML, keep spans, validate) and
//! `shell` (bash parsed with tree-sitter) → `semantics` (what each step runs,
//! does and uses per environment) → `lint`, `diff` and `generate` (scripts,
//! book, print page, manifest; `generate::write` writes atomically or checks
//! for drift) → `cli`.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod drill_report;
pub mod generate;
pub mod git;
pub mod import;
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
