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

/// Names bash or the login environment defines, which steps may use freely.
pub const WELL_KNOWN: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "LOGNAME",
    "PWD",
    "OLDPWD",
    "SHELL",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "HOSTNAME",
    "UID",
    "EUID",
    "PPID",
    "BASHPID",
    "RANDOM",
    "SECONDS",
    "LINENO",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "IFS",
    "OPTARG",
    "OPTIND",
    "REPLY",
    "PIPESTATUS",
    "BASH_SOURCE",
    "BASH_VERSION",
    "FUNCNAME",
    "GROUPS",
    "HOSTTYPE",
    "OSTYPE",
    "MACHTYPE",
    "SHLVL",
    "COLUMNS",
    "LINES",
    "XDG_RUNTIME_DIR",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "RBGEN_LOG",
    "BASH_REMATCH",
    "COPROC",
    "BASH_LINENO",
    "BASH_ARGV",
    "PIPESTATUS",
];
