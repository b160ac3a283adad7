//! Bash analysis with a real parser (tree-sitter-bash).

pub mod analysis;
pub mod quote;
