use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::shell::flow::{prompts_person, selects};

declare_rule! {
    /// ## What it catches
    /// A step that asks a person something itself: `read -p "Proceed?
    /// (yes/no)" ans`, `read -s` for a password, or a `select` menu —
    /// typically pasted from a runbook that was a script. `read` from a
    /// heredoc, a here-string or a pipe is not reported.
    ///
    /// ## Why it matters
    /// The script already asks, logs and resumes: confirmations before
    /// dangerous steps, `manual` steps for what a person must do, `choices`
    /// for a decision, gates for checklists, parameters for values. A
    /// prompt inside a step is none of these: `--yes` does not answer it,
    /// the log does not record the answer, `--dry-run` stops at it, and an
    /// unattended drill hangs.
    ///
    /// ## Example
    /// ```bash
    /// read -r -p "Proceed with failover? (yes/no) " answer
    /// [ "$answer" = yes ] || exit 1
    /// patronictl failover --force
    /// ```
    ///
    /// ## Fix
    /// Drop the prompt and let the script ask: `kind = "promotion"` or
    /// `"destructive"` (or `confirm = true`) for "are you sure?"; a
    /// `[[choices]]` entry with steps per `option` for "A or B?"; a
    /// `manual` step or a `gate` for "have you done X?"; a `[[params]]`
    /// entry for a value.
    pub struct InteractivePrompt { code: "RB024", name: "interactive-prompt", severity: Error }
}

impl Check for InteractivePrompt {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            for field in shell_fields(step) {
                let text = field.text.get_ref();
                let model = crate::shell::command::commands(text);
                let mut places: Vec<(std::ops::Range<usize>, &str)> = model
                    .commands
                    .iter()
                    .filter(|c| prompts_person(c))
                    .map(|c| {
                        (
                            c.name.range.clone(),
                            "`read` waits for an answer at the terminal",
                        )
                    })
                    .collect();
                places.extend(
                    selects(text)
                        .into_iter()
                        .map(|r| (r, "`select` waits for a choice at the terminal")),
                );
                for (at, what) in places {
                    out.push(
                        Diagnostic::finding(format!(
                            "step `{}` prompts a person itself: {what}, which `--yes` does not answer and the log does not record",
                            step.id.get_ref()
                        ))
                        .at(ctx.in_value(proc, field.text, at))
                        .label("prompt inside a step")
                        .help("let the script ask: `confirm = true` (or kind `promotion`/`destructive`) for \"are you sure?\", `[[choices]]` for a decision, a `manual` step or a `gate` for \"have you done it?\", `[[params]]` for a value")
                        .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                    );
                }
            }
        }
    }
}
