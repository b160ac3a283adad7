//! Bash analysis with a real parser (tree-sitter-bash): variable uses and
//! definitions (`analysis`), the commands a text runs (`command`, following
//! `wrappers` such as `ssh` and `sudo`, and `inline` expansion of the spec's
//! own functions), what those commands do (`effects`, with SQL read by
//! `sql`), and quoting for generated bash (`quote`).

pub mod analysis;
pub mod command;
pub mod effects;
pub mod flow;
pub mod inline;
pub mod json_reads;
pub mod model;
pub mod quote;
pub mod sql;
pub mod wrappers;
