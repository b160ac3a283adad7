use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::shell::command::commands;
use crate::source::Location;
use regex::Regex;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// Passwords, tokens and keys written into the spec. Looked for in:
    /// - variables of every environment's `[vars]` and of `common.toml` by
    ///   name (`PGPASSWORD`, `*PASSWORD*`, `*PASSWD*`, `*SECRET*`,
    ///   `*TOKEN*`, `*_KEY`, `*_PASS`; not `*_FILE`, `*_PATH`, `*_NAME`,
    ///   `*_ID`) holding a literal — not a path, a `$reference`, a `<placeholder>`;
    /// - any value or command word by what it holds: `password=` in a libpq
    ///   connection string, `postgres://user:pass@` credentials in a URL,
    ///   `token=`/`api_key=`/`secret=` with a literal, AWS access keys,
    ///   GitHub, GitLab, Slack and Google tokens, private keys, JWTs;
    /// - in steps and functions: assignments to such names
    ///   (`PGPASSWORD=admin psql …`, `export DB_TOKEN=…`) and `--password X`.
    ///
    /// A value taken from a variable (`password=$REPLICATION_PASSWORD`) is
    /// fine. ShellCheck's SC2209 on the same assignment is not reported again.
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
        (?:\b|_)(?:password|passwd|pwd)\s*=\s*(?P<v1>[^\s$"'`{<][^\s"']*)
      | \bPGPASSWORD\s*=\s*['"]?(?P<v2>[^\s$"'`<][^\s"']*)
      | \b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<v4>[^\s@$/]+)@
      | \b(?:token|api[_-]?key|secret|access[_-]?key)\s*[=:]\s*['"]?(?P<v5>[A-Za-z0-9/+_.-]{8,})
      | (?P<v6>\bAKIA[0-9A-Z]{16}\b)
      | (?P<v7>\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,})
      | (?P<v8>\bglpat-[A-Za-z0-9_-]{20,})
      | (?P<v9>\bxox[abprs]-[A-Za-z0-9-]{10,})
      | (?P<v10>\bAIza[0-9A-Za-z_-]{35})
      | (?P<v11>-----BEGIN\ [A-Z ]*PRIVATE\ KEY-----)
      | (?P<v12>\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"#,
    )
    .unwrap()
});

/// The byte ranges of hard-coded secret values in `text`: known token
/// formats, `password=` in a connection string, credentials in a URL.
pub fn secrets_in(text: &str) -> Vec<std::ops::Range<usize>> {
    SECRET
        .captures_iter(text)
        .filter_map(|c| {
            (1..=12)
                .find_map(|i| c.name(&format!("v{i}")))
                .map(|m| m.range())
        })
        .collect()
}

/// Is a variable of this name meant to hold a secret?
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    let not_the_secret = [
        "_FILE",
        "_PATH",
        "_DIR",
        "_NAME",
        "_ID",
        "_REF",
        "_TTL",
        "_LENGTH",
        "_ENV",
        "_SECRET_NAME",
    ]
    .iter()
    .any(|s| n.ends_with(s));
    let says_secret = n.contains("PASSWORD")
        || n.contains("PASSWD")
        || n.contains("SECRET")
        || n.contains("TOKEN")
        || n.ends_with("_KEY")
        || n.contains("API_KEY")
        || n.contains("APIKEY")
        || n.ends_with("_PASS")
        || n.ends_with("_PWD");
    says_secret && !not_the_secret
}

/// Could `value` be a secret (not a reference, a path, a placeholder)?
fn literal_secret_value(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || v.contains('$')
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with('~')
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.len() <= 5 && v.chars().all(|c| c.is_ascii_digit()))
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "none" | "null" | "-"
        ))
}

/// Findings in one shell field: (range, what).
fn in_shell(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let model = commands(text);
    let mut out: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for a in &model.assignments {
        if let Some(v) = a
            .value
            .as_ref()
            .filter(|v| v.is_static && secret_name(&a.name) && literal_secret_value(&v.text))
        {
            out.push((
                v.span_of(0..v.text.len()),
                format!("assigned to `{}`", a.name),
            ));
        }
    }
    for c in &model.commands {
        for w in std::iter::once(&c.name).chain(&c.args).chain(&c.stdin) {
            for r in secrets_in(&w.text) {
                out.push((w.span_of(r), "in a command".to_string()));
            }
        }
        for (w, r) in c.option_values(&["--password"]) {
            if literal_secret_value(&w.text[r.clone()]) {
                out.push((w.span_of(r), "given to `--password`".to_string()));
            }
        }
        // `curl -u user:password`, `consul … -token VALUE`.
        if matches!(c.name(), "curl" | "wget") {
            for (w, r) in c.option_values(&["-u", "--user", "--http-password"]) {
                let value = &w.text[r.clone()];
                let secret = value
                    .split_once(':')
                    .map_or(if c.name() == "wget" { value } else { "" }, |(_, p)| p);
                if w.is_static && literal_secret_value(secret) {
                    let at = r.end - secret.len();
                    out.push((w.span_of(at..r.end), format!("given to `{}`", c.name())));
                }
            }
        }
        for (w, r) in c.option_values(&["-token", "--token"]) {
            if w.is_static && literal_secret_value(&w.text[r.clone()]) {
                out.push((w.span_of(r), "given as a token".to_string()));
            }
        }
    }
    for a in &model.assignments {
        if let Some(v) = &a.value {
            for r in secrets_in(&v.text) {
                out.push((v.span_of(r), format!("in `{}`", a.name)));
            }
        }
    }
    out
}

/// One finding per secret: the same value can be seen as an assignment, a
/// `--password`, and a word of the command (and again behind `ssh`).
fn first_per_position(
    mut found: Vec<(std::ops::Range<usize>, String)>,
) -> Vec<(std::ops::Range<usize>, String)> {
    let mut seen: Vec<std::ops::Range<usize>> = Vec::new();
    found.retain(|(r, _)| {
        let overlap = seen.iter().any(|s| s.start < r.end && r.start < s.end);
        seen.push(r.clone());
        !overlap
    });
    found
}

/// Findings in a variable's value: by its name, or by what it holds.
fn in_var(name: &str, value: &str) -> Vec<(std::ops::Range<usize>, String)> {
    if secret_name(name) && literal_secret_value(value) {
        return vec![(
            0..value.len(),
            format!("in `{name}` (a secret by its name)"),
        )];
    }
    secrets_in(value)
        .into_iter()
        .map(|r| (r, format!("in `{name}`")))
        .collect()
}

impl Check for HardCodedSecret {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let push = |out: &mut Vec<Diagnostic>,
                    loc: Location,
                    what: &str,
                    rb: Option<(&str, &str)>| {
            let mut d = Diagnostic::finding(format!("hard-coded secret {what}"))
                .at(loc)
                .label("this value is a secret")
                .help("declare it in the environment's [secrets] and use the variable, e.g. `PGPASSWORD=\"$REPLICATION_PASSWORD\" psql …`");
            if let Some((r, s)) = rb {
                d = d.in_runbook(r, Some(s));
            }
            out.push(d);
        };
        for (_, proc, step) in ctx.steps() {
            for text in shell_fields(step).map(|f| f.text) {
                for (range, what) in first_per_position(in_shell(text.get_ref())) {
                    push(
                        out,
                        ctx.in_value(proc, text, range),
                        &what,
                        Some((proc.doc.id.get_ref(), step.id.get_ref())),
                    );
                }
            }
        }
        for env in &ctx.spec.environments {
            for f in env.doc.functions.values() {
                for (range, what) in first_per_position(in_shell(f.body.get_ref())) {
                    push(out, ctx.in_value(env, &f.body, range), &what, None);
                }
            }
            for (name, v) in &env.doc.vars {
                for (range, what) in in_var(name.get_ref(), v.get_ref()) {
                    push(out, ctx.in_value(env, v, range), &what, None);
                }
            }
        }
        if let Some(common) = &ctx.spec.common {
            for f in common.doc.functions.values() {
                for (range, what) in first_per_position(in_shell(f.body.get_ref())) {
                    push(out, ctx.in_value(common, &f.body, range), &what, None);
                }
            }
            for (name, v) in &common.doc.vars {
                for (range, what) in in_var(name.get_ref(), v.get_ref()) {
                    push(out, ctx.in_value(common, v, range), &what, None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{in_shell, in_var, secret_name};

    #[test]
    fn literal_secrets_are_found_and_variables_are_not() {
        let t = "psql \"host=x user=replicator password=SecureRepPass123! sslmode=require\"";
        assert_eq!(&t[in_shell(t)[0].0.clone()], "SecureRepPass123!");
        assert!(in_shell("PGPASSWORD=\"$REPLICATION_PASSWORD\" psql").is_empty());
        assert!(in_shell("psql \"password=$PW\"").is_empty());
        assert_eq!(in_shell("curl https://user:hunter22@host/x").len(), 1);
        let t = "PGPASSWORD=admin psql -h x";
        assert_eq!(&t[in_shell(t)[0].0.clone()], "admin");
        assert!(in_shell("echo 'set PGPASSWORD in your shell'").is_empty());
    }

    #[test]
    fn variables_by_name_and_value() {
        assert!(
            secret_name("PGPASSWORD")
                && secret_name("DB_PASSWORD")
                && secret_name("SLACK_TOKEN")
                && secret_name("DD_API_KEY")
        );
        assert!(
            !secret_name("PASSWORD_FILE")
                && !secret_name("PG_SECRET_NAME")
                && !secret_name("KEY_TABLE")
        );
        assert_eq!(in_var("PGPASSWORD", "s3cr3t").len(), 1);
        assert!(in_var("ETCD_KEY", "/etc/etcd/ssl/key.pem").is_empty());
        assert!(in_var("DB_PASSWORD", "${DB_PASSWORD_FROM_VAULT}").is_empty());
        assert_eq!(in_var("DSN", "host=db user=app password=hunter2").len(), 1);
    }
}
