use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::source::Location;
use regex::Regex;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// Passwords, tokens and keys written into commands, connection strings,
    /// shell functions or environment variables: `password=…` in a libpq
    /// connection string, `PGPASSWORD=…`, `--password …`, `postgres://user:pass@`,
    /// `token=`/`api_key=`/`secret=` with a literal value, AWS access keys.
    /// A value taken from a variable (`password=$REPLICATION_PASSWORD`) is fine.
    ///
    /// ## Why it matters
    /// The spec is committed, reviewed, printed and copied to laptops; the
    /// generated scripts end up in shell history and logs. A secret in them is
    /// a leaked secret, and rotating it means editing runbooks mid-incident.
    ///
    /// ## Example
    /// ```bash
    /// psql "host=10.1.0.10 user=replicator password=SecureRepPass123!"
    /// ```
    ///
    /// ## Fix
    /// Declare it in the environment's `[secrets]` and use the variable
    /// (`PGPASSWORD="$REPLICATION_PASSWORD" psql …`); the script asks for it or
    /// reads it from the operator's environment at run time.
    pub struct HardCodedSecret { code: "RB008", name: "hard-coded-secret", severity: Error }
}

static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?ix)
        \b(?:password|passwd|pwd)\s*=\s*(?P<v1>[^\s$"'`{][^\s"']*)
      | \bPGPASSWORD\s*=\s*['"]?(?P<v2>[^\s$"'`][^\s"']*)
      | --password[=\s]+['"]?(?P<v3>[^\s$"'`-][^\s"']*)
      | \b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<v4>[^\s@$/]+)@
      | \b(?:token|api[_-]?key|secret|access[_-]?key)\s*[=:]\s*['"]?(?P<v5>[A-Za-z0-9/+_.-]{8,})
      | (?P<v6>\bAKIA[0-9A-Z]{16}\b)"#,
    )
    .unwrap()
});

/// The byte ranges of hard-coded secret values in `text`.
pub fn secrets_in(text: &str) -> Vec<std::ops::Range<usize>> {
    SECRET
        .captures_iter(text)
        .filter_map(|c| {
            (1..=6)
                .find_map(|i| c.name(&format!("v{i}")))
                .map(|m| m.range())
        })
        .collect()
}

impl Check for HardCodedSecret {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let push = |out: &mut Vec<Diagnostic>, loc: Location, rb: Option<(&str, &str)>| {
            let mut d = Diagnostic::error("RB008", "hard-coded secret".to_string())
                .at(loc)
                .label("this value is a secret")
                .help("declare it in the environment's [secrets] and use the variable, e.g. `PGPASSWORD=\"$REPLICATION_PASSWORD\" psql …`");
            if let Some((r, s)) = rb {
                d = d.in_runbook(r, Some(s));
            }
            out.push(d);
        };
        for (_, proc, step) in ctx.steps() {
            for text in [&step.run, &step.cleanup].into_iter().flatten() {
                for range in secrets_in(text.get_ref()) {
                    push(
                        out,
                        ctx.in_value(proc, text, range),
                        Some((proc.doc.id.get_ref(), step.id.get_ref())),
                    );
                }
            }
        }
        for env in &ctx.spec.environments {
            for f in env.doc.functions.values() {
                for range in secrets_in(f.body.get_ref()) {
                    push(out, ctx.in_value(env, &f.body, range), None);
                }
            }
            for v in env.doc.vars.values() {
                for range in secrets_in(v.get_ref()) {
                    push(out, ctx.in_value(env, v, range), None);
                }
            }
        }
        if let Some(common) = &ctx.spec.common {
            for f in common.doc.functions.values() {
                for range in secrets_in(f.body.get_ref()) {
                    push(out, ctx.in_value(common, &f.body, range), None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::secrets_in;

    #[test]
    fn literal_secrets_are_found_and_variables_are_not() {
        let t = "psql \"host=x user=replicator password=SecureRepPass123! sslmode=require\"";
        assert_eq!(&t[secrets_in(t)[0].clone()], "SecureRepPass123!");
        assert!(secrets_in("PGPASSWORD=\"$REPLICATION_PASSWORD\" psql").is_empty());
        assert!(secrets_in("psql \"password=$PW\"").is_empty());
        assert_eq!(secrets_in("curl https://user:hunter22@host/x").len(), 1);
    }
}
