//! Text comparisons shared by every section: a unified diff for commands
//! and bodies, and one-line "before → after" summaries for short values.

use super::Change;

/// A unified diff of two texts (3 lines of context), without the file
/// header: the change's summary already says what the text is.
pub fn unified(old: &str, new: &str) -> String {
    let old = with_newline(old);
    let new = with_newline(new);
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .to_string()
}

fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// Quote a short value for a summary line: `value`, or "(none)".
pub fn quoted(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("`{}`", v.trim().replace('`', "'")),
        None => "(none)".to_string(),
    }
}

fn is_short(text: &str) -> bool {
    let text = text.trim();
    !text.contains('\n') && text.chars().count() <= 80
}

/// A change of a text field: `label: a → b` when both fit on a line,
/// else `label changed` with a diff. `None` when nothing changed.
pub fn field(
    kind: &'static str,
    label: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Option<Change> {
    let (o, n) = (old.map(str::trim), new.map(str::trim));
    if o == n {
        return None;
    }
    Some(match (o, n) {
        (None, Some(n)) if is_short(n) => {
            Change::new(kind, format!("{label} added: {}", quoted(Some(n))))
        }
        (Some(o), None) if is_short(o) => {
            Change::new(kind, format!("{label} removed (was {})", quoted(Some(o))))
        }
        (Some(o), Some(n)) if is_short(o) && is_short(n) => Change::new(
            kind,
            format!("{label}: {} → {}", quoted(Some(o)), quoted(Some(n))),
        ),
        (None, _) => Change::new(kind, format!("{label} added")).with_diff("", new.unwrap_or("")),
        (_, None) => Change::new(kind, format!("{label} removed")).with_diff(old.unwrap_or(""), ""),
        _ => Change::new(kind, format!("{label} changed"))
            .with_diff(old.unwrap_or(""), new.unwrap_or("")),
    })
}

/// Items added to and removed from a list of names, in the order given.
pub fn added_removed<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let added = new.iter().filter(|n| !old.contains(n)).copied().collect();
    let removed = old.iter().filter(|o| !new.contains(o)).copied().collect();
    (added, removed)
}

/// `a`, `b` and `c` as inline code.
pub fn code_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
