use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::manifest::content_hash;

declare_rule! {
    /// ## What it catches
    /// A runbook or drill whose file changed while its `version` stayed the
    /// same. Changed since what:
    /// - with `rbgen lint --base REV`, since the file as it is at git
    ///   revision REV (read with `git show`, no checkout needed). This is
    ///   the pull-request gate: in GitHub Actions it defaults to the merge
    ///   base with `$GITHUB_BASE_REF`, so a PR that edits a step, runs
    ///   `rbgen build` and commits still fails until the version is bumped;
    /// - otherwise, since the last `rbgen build` recorded it in
    ///   `generated/manifest.json`. That catches an edit made since the
    ///   last build (and works without git), but not in a PR, whose own
    ///   build rewrites the manifest.
    ///
    /// ## Why it matters
    /// The notification checklist asks the on-call engineer to confirm the
    /// runbook version. Two different texts under one version number make that
    /// check meaningless, and a printed copy cannot be told from the new one.
    ///
    /// ## Example
    /// A step's command was edited, `version = "1.2.0"` was left as it was.
    ///
    /// ## Fix
    /// Bump `version` (and set `last_reviewed`), then run `rbgen build`.
    pub struct VersionNotBumped { code: "RB006", name: "version-not-bumped", severity: Error }
}

impl Check for VersionNotBumped {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let Some(manifest) = &ctx.manifest else {
            return;
        };
        for (kind, proc) in ctx.spec.procedures() {
            let p = &proc.doc;
            let Some(recorded) = manifest.entry(kind, p.id.get_ref()) else {
                continue;
            };
            let (Some(old_version), old_hash) = (&recorded.version, &recorded.hash) else {
                continue;
            };
            if old_hash.is_empty() {
                continue;
            }
            let Some(version) = &p.version else { continue };
            if version.get_ref() == old_version && content_hash(&proc.file.text) != *old_hash {
                out.push(
                    Diagnostic::finding(match &ctx.base {
                        Some(rev) => format!(
                            "{} `{}` changed since {rev} but its version is still {old_version}",
                            kind.as_str(),
                            p.id.get_ref()
                        ),
                        None => format!(
                            "{} `{}` changed but its version is still {old_version}",
                            kind.as_str(),
                            p.id.get_ref()
                        ),
                    })
                    .at(proc.loc(version))
                    .help("bump `version` (and set `last_reviewed`), then run `rbgen build`")
                    .in_runbook(p.id.get_ref(), None),
                );
            }
        }
    }
}
