use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it catches
    /// An environment variable, node-group variable or runbook parameter that no
    /// step, cleanup or shell function uses.
    ///
    /// ## Why it matters
    /// A variable nobody reads is usually a typo's other half (`DC1_NODE` set,
    /// `DC1_NODES` used) or a leftover that makes readers think a value matters
    /// when it does not.
    ///
    /// ## Example
    /// ```toml
    /// [vars]
    /// HAPROXY_HOST = "10.1.0.20"   # no runbook mentions $HAPROXY_HOST
    /// ```
    ///
    /// ## Fix
    /// Remove it, or use it where it was meant to be used.
    pub struct UnusedVariable { code: "RB002", name: "unused-variable", severity: Warning }
}

/// Exported variables that tools read from the environment themselves (libpq's
/// `PGCONNECT_TIMEOUT`, etcdctl's `ETCDCTL_API`, the AWS CLI's `AWS_REGION`):
/// used without a `$`.
const READ_BY_TOOLS: &[&str] = &["PG", "ETCDCTL_", "AWS_", "SSH_", "PATRONICTL_"];

fn read_by_tools(name: &str) -> bool {
    READ_BY_TOOLS.iter().any(|p| name.starts_with(p))
}

impl Check for UnusedVariable {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut texts: Vec<&str> = Vec::new();
        for (_, proc, step) in ctx.steps() {
            let _ = proc;
            texts.extend(shell_fields(step).map(|f| f.text.get_ref().as_str()));
        }
        if let Some(common) = &spec.common {
            texts.extend(
                common
                    .doc
                    .functions
                    .values()
                    .map(|f| f.body.get_ref().as_str()),
            );
        }
        for env in &spec.environments {
            texts.extend(
                env.doc
                    .functions
                    .values()
                    .map(|f| f.body.get_ref().as_str()),
            );
        }
        for text in texts {
            used.extend(ctx.analyse(text).uses.iter().map(|u| u.name.clone()));
        }
        for env in &spec.environments {
            for var in spec.vars_of(env).values() {
                if !used.contains(&var.name)
                    && !read_by_tools(&var.name)
                    && var.location.file.path == env.file.path
                {
                    out.push(
                        Diagnostic::finding(format!(
                            "variable `{}` of environment `{}` is never used",
                            var.name,
                            env.doc.id.get_ref()
                        ))
                        .at(var.location.clone())
                        .help("remove it, or check the spelling where it was meant to be used"),
                    );
                }
            }
        }
        if let Some(common) = &spec.common {
            for name in common.doc.vars.keys() {
                if !used.contains(name.get_ref()) && !read_by_tools(name.get_ref()) {
                    out.push(
                        Diagnostic::finding(format!(
                            "common variable `{}` is never used",
                            name.get_ref()
                        ))
                        .at(common.loc(name))
                        .help("remove it, or check the spelling where it was meant to be used"),
                    );
                }
            }
        }
        for (_, proc) in spec.procedures() {
            for param in &proc.doc.params {
                let name = param.name.get_ref();
                let in_proc = proc
                    .doc
                    .steps
                    .iter()
                    .flat_map(shell_fields)
                    .map(|f| f.text)
                    .any(|t| {
                        ctx.analyse(t.get_ref())
                            .uses
                            .iter()
                            .any(|u| &u.name == name)
                    });
                if !in_proc {
                    out.push(
                        Diagnostic::finding(format!("parameter `{name}` is never used by a step"))
                            .at(proc.loc(&param.name))
                            .help("remove the parameter, or use it in the step that needs it")
                            .in_runbook(proc.doc.id.get_ref(), None),
                    );
                }
            }
        }
    }
}
