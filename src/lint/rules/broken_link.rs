use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};

declare_rule! {
    /// ## What it catches
    /// A runbook's or drill's `[[links]]` entry whose `href` is a path that
    /// does not exist. A path is read relative to the file that names it
    /// (as Markdown reads a link), a `#fragment` is ignored; a URL
    /// (`https://…`, `mailto:`) is left as is — lint never goes online.
    ///
    /// ## Why it matters
    /// "Related documents" are what the operator opens when the runbook
    /// does not cover the case at hand. A link to a moved or renamed file
    /// is found broken exactly then.
    ///
    /// ## Example
    /// ```toml
    /// [[links]]
    /// title = "Cluster architecture"
    /// href = "../../docs/architecure.md"   # misspelt
    /// ```
    ///
    /// ## Fix
    /// Point `href` at the file where it is now, or remove the link.
    pub struct BrokenLink { code: "RB030", name: "broken-link", severity: Warning }
}

impl Check for BrokenLink {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (kind, doc) in ctx.spec.procedures() {
            let dir = doc
                .file
                .path
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            for link in &doc.doc.links {
                let href = link.href.get_ref();
                if crate::spec::model::is_url(href) {
                    continue;
                }
                let path = href.split('#').next().unwrap_or_default();
                if path.is_empty() || dir.join(path).exists() {
                    continue;
                }
                out.push(
                    Diagnostic::finding(format!(
                        "{} `{}` links to `{path}`, which does not exist",
                        kind.as_str(),
                        doc.doc.id.get_ref()
                    ))
                    .at(ctx.in_value(doc, &link.href, 0..href.len()))
                    .help(format!(
                        "a path is relative to `{}`; fix it, or link the document's URL",
                        dir.display()
                    )),
                );
            }
        }
    }
}
