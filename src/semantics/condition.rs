//! A step's `when` in plain words, for a person reading a printed page, the
//! book or `--list`: "DC1_ALIVE_CHECKS is not 0", "step check-lag failed",
//! "OLD_PRIMARY is not one of DC2_NODES". A shell `test` is read when it is
//! one of the usual forms (`-n`/`-z`, string and number comparisons, file
//! tests, membership in a space-separated list, `!`, `&&`/`||`); anything
//! else needs the spec's `says`, and without it the words say that a shell
//! check decides, never a paraphrase that might be wrong.

use crate::spec::model::When;

/// The condition of `when` in words (without "only if").
pub fn words(when: &When) -> String {
    if let Some(step) = &when.step {
        return format!("step {} {}", step.get_ref(), when.outcome().as_str());
    }
    if let Some(var) = &when.var {
        return match (&when.equals, &when.not_equals) {
            (Some(v), _) => format!("{} is {}", var.get_ref(), shown(v.get_ref())),
            (None, Some(v)) => format!("{} is not {}", var.get_ref(), shown(v.get_ref())),
            (None, None) => format!("{} is set", var.get_ref()),
        };
    }
    if let Some(says) = &when.says {
        return says.get_ref().trim().to_string();
    }
    match when.test.as_ref().map(|t| t.get_ref().trim()) {
        Some(test) => {
            test_words(test).unwrap_or_else(|| "the shell check of this step succeeds".to_string())
        }
        None => "always".to_string(),
    }
}

/// Whether `when` needs its shell test printed beside the words: a test
/// that neither `says` nor the reader here could put into words.
pub fn needs_test_shown(when: &When) -> bool {
    when.step.is_none()
        && when.var.is_none()
        && when.says.is_none()
        && when
            .test
            .as_ref()
            .is_some_and(|t| test_words(t.get_ref().trim()).is_none())
}

fn shown(value: &str) -> String {
    if value.is_empty() {
        "empty".to_string()
    } else {
        value.to_string()
    }
}

/// A shell test in words, if it is one of the forms this reads.
pub fn test_words(test: &str) -> Option<String> {
    let words = split_words(test)?;
    let inner: &[Word] = match words.as_slice() {
        [first, rest @ .., last] if first.text == "[[" && last.text == "]]" => rest,
        [first, rest @ .., last] if first.text == "[" && last.text == "]" => rest,
        [first, rest @ ..] if first.text == "test" => rest,
        _ => return None,
    };
    expression(inner)
}

#[derive(Debug, Clone)]
struct Word {
    /// Quotes removed.
    text: String,
    /// Whether any of it was quoted (so `*` in it is literal).
    quoted: bool,
}

/// Shell words with quotes removed; `None` for what this does not read
/// (command substitutions, unbalanced quotes).
fn split_words(test: &str) -> Option<Vec<Word>> {
    if test.contains("$(") || test.contains('`') {
        return None;
    }
    let mut words = Vec::new();
    let mut cur: Option<Word> = None;
    let mut chars = test.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            '\'' | '"' => {
                let w = cur.get_or_insert(Word {
                    text: String::new(),
                    quoted: false,
                });
                w.quoted = true;
                loop {
                    match chars.next()? {
                        q if q == c => break,
                        '\\' if c == '"' => w.text.push(chars.next()?),
                        other => w.text.push(other),
                    }
                }
            }
            '\\' => cur
                .get_or_insert(Word {
                    text: String::new(),
                    quoted: false,
                })
                .text
                .push(chars.next()?),
            other => cur
                .get_or_insert(Word {
                    text: String::new(),
                    quoted: false,
                })
                .text
                .push(other),
        }
    }
    words.extend(cur);
    Some(words)
}

/// `$X`, `${X}` → `X`; anything else as written.
fn name(word: &str) -> String {
    let w = word.trim();
    if let Some(n) = w.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if is_name(n) {
            return n.to_string();
        }
    }
    if let Some(n) = w.strip_prefix('$') {
        if is_name(n) {
            return n.to_string();
        }
    }
    w.to_string()
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn expression(words: &[Word]) -> Option<String> {
    // `a && b`, `a || b`, `a -a b`, `a -o b`: lowest precedence first.
    for (op, joiner) in [
        ("||", " or "),
        ("-o", " or "),
        ("&&", " and "),
        ("-a", " and "),
    ] {
        if let Some(i) = words.iter().rposition(|w| w.text == op && !w.quoted) {
            let left = expression(&words[..i])?;
            let right = expression(&words[i + 1..])?;
            return Some(format!("{left}{joiner}{right}"));
        }
    }
    match words {
        [bang, rest @ ..] if bang.text == "!" && !bang.quoted => {
            Some(format!("not ({})", expression(rest)?))
        }
        [op, x] => unary(&op.text, &x.text),
        [x] => Some(format!("{} is not empty", name(&x.text))),
        [a, op, b] => binary(a, &op.text, b),
        _ => None,
    }
}

fn unary(op: &str, x: &str) -> Option<String> {
    let x = name(x);
    Some(match op {
        "-n" => format!("{x} is not empty"),
        "-z" => format!("{x} is empty"),
        "-e" => format!("{x} exists"),
        "-f" => format!("file {x} exists"),
        "-d" => format!("directory {x} exists"),
        "-s" => format!("file {x} exists and is not empty"),
        "-r" => format!("{x} is readable"),
        "-w" => format!("{x} is writable"),
        "-x" => format!("{x} is executable"),
        "-v" => format!("{x} is set"),
        _ => return None,
    })
}

fn binary(a: &Word, op: &str, b: &Word) -> Option<String> {
    // `" $LIST " == *" $X "*`: is X one of the words of LIST.
    if matches!(op, "==" | "=" | "!=") {
        if let Some(list) = a.text.strip_prefix(' ').and_then(|t| t.strip_suffix(' ')) {
            let item = b.text.strip_prefix("* ").and_then(|t| t.strip_suffix(" *"));
            if let Some(item) = item {
                let (list, item) = (name(list), name(item));
                return Some(if op == "!=" {
                    format!("{item} is not one of {list}")
                } else {
                    format!("{item} is one of {list}")
                });
            }
        }
        let pattern = !b.quoted && b.text.contains(['*', '?', '[']);
        if pattern {
            return None;
        }
        let (x, v) = (name(&a.text), shown(&name(&b.text)));
        return Some(if op == "!=" {
            format!("{x} is not {v}")
        } else {
            format!("{x} is {v}")
        });
    }
    let (x, y) = (name(&a.text), name(&b.text));
    let relation = match op {
        "-eq" => "is",
        "-ne" => "is not",
        "-gt" => "is greater than",
        "-ge" => "is at least",
        "-lt" => "is less than",
        "-le" => "is at most",
        "=~" => return Some(format!("{x} matches the pattern {y}")),
        _ => return None,
    };
    Some(format!("{x} {relation} {y}"))
}

#[cfg(test)]
mod tests {
    use super::test_words;

    #[test]
    fn usual_tests_in_words() {
        let cases = [
            (
                r#"[[ " $DC2_NODES " != *" $OLD_PRIMARY "* ]]"#,
                Some("OLD_PRIMARY is not one of DC2_NODES"),
            ),
            (
                r#"[[ " $DC2_NODES " == *" $OLD_PRIMARY "* ]]"#,
                Some("OLD_PRIMARY is one of DC2_NODES"),
            ),
            (r#"[ -n "$CANDIDATE" ]"#, Some("CANDIDATE is not empty")),
            ("[[ -z ${LEADER} ]]", Some("LEADER is empty")),
            (r#"test "$MODE" = async"#, Some("MODE is async")),
            (r#"[ "$LAG" -gt 16 ] && [ -f /tmp/x ]"#, None),
            (
                r#"[[ $LAG -gt 16 && -f /tmp/x ]]"#,
                Some("LAG is greater than 16 and file /tmp/x exists"),
            ),
            ("[[ ! -d /srv/pg ]]", Some("not (directory /srv/pg exists)")),
            ("[[ $X == a* ]]", None),
            ("[[ $(curl -s x) == ok ]]", None),
            ("pg_isready -h db1", None),
            (r#"[ "$X" = "" ]"#, Some("X is empty")),
        ];
        for (test, want) in cases {
            assert_eq!(test_words(test).as_deref(), want, "{test}");
        }
    }
}

/// Where a step acts and the role it needs, in words, for paper, the book
/// and `--list`: "$OLD_PRIMARY, which must be stopped when the step runs".
pub fn target_words(step: &crate::spec::model::Step) -> Option<String> {
    let target = step.target_items().join(" ");
    if target.is_empty() {
        return None;
    }
    Some(format!("{target}{}", role_words(step)))
}

/// The role part of [`target_words`]: ", which must be stopped when the
/// step runs" (nothing for no role or `any`).
pub fn role_words(step: &crate::spec::model::Step) -> String {
    match step.role.as_ref().map(|r| r.get_ref().trim()) {
        None | Some("any") => String::new(),
        Some(r) => match r.strip_prefix('!') {
            Some(not) => format!(", which must not be {not} when the step runs"),
            None => format!(", which must be {r} when the step runs"),
        },
    }
}
