//! Quoting spec text for bash. Spec text is data, never code: it reaches the
//! generated script only through these functions.

/// Quote `text` for bash so that it is one word with exactly this value.
///
/// Plain text gets single quotes. Text holding `$`, backticks, quotes,
/// backslashes or control characters gets ANSI-C quoting (`$'…'`), where every
/// one of them is escaped: the value is still literal, and ShellCheck does not
/// mistake a `$` inside quotes for an expansion that was meant (SC2016).
pub fn sh_quote(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| !c.is_control() && !matches!(c, '$' | '`' | '\\' | '\'' | '!'));
    if plain {
        return format!("'{text}'");
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Text safe inside a `#` comment of the generated script: one line, no
/// carriage returns (a comment cannot execute, but a newline would end it).
pub fn comment_text(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_metacharacter_literally() {
        assert_eq!(sh_quote("plain text"), "'plain text'");
        assert_eq!(sh_quote("a'b"), r"$'a\'b'");
        assert_eq!(sh_quote("$(x) `y` \\"), r"$'$(x) `y` \\'");
        assert_eq!(sh_quote("l1\nl2"), r"$'l1\nl2'");
    }
}
