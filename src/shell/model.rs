//! The command model's data: a word with the span of each of its bytes, an
//! assignment, a simple command (with the wrappers it was found inside) and
//! the commands and assignments of one text. `command` builds it from
//! tree-sitter-bash; `wrappers` reads it to find the command a wrapper runs.

use std::ops::Range;
use std::sync::Arc;

/// One word of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// What the command receives: quotes removed and escapes resolved;
    /// expansions (`$X`, `$(…)`) kept as written, since their value is only
    /// known at run time.
    pub text: String,
    /// No expansion anywhere in the word: `text` is exactly the argument.
    pub is_static: bool,
    /// Byte range of the whole word in the analysed text.
    pub range: Range<usize>,
    /// Offset in the analysed text of each byte of `text`, plus one for its
    /// end; lets a rule point inside a word (a SQL keyword in `-c "…"`).
    /// Empty for a pinned word: every byte is at `range.start`.
    offsets: Arc<[usize]>,
}

impl Word {
    pub(super) fn new(
        text: String,
        is_static: bool,
        range: Range<usize>,
        offsets: Vec<usize>,
    ) -> Word {
        debug_assert_eq!(offsets.len(), text.len() + 1);
        Word {
            text,
            is_static,
            range,
            offsets: offsets.into(),
        }
    }

    /// A word whose every byte is reported at `at` (commands expanded from a
    /// function body are reported at the call).
    pub fn pinned(text: String, is_static: bool, at: Range<usize>) -> Word {
        Word {
            text,
            is_static,
            range: at,
            offsets: Arc::from([]),
        }
    }

    /// Offset in the analysed text of byte `i` of `text`.
    pub(super) fn offset(&self, i: usize) -> usize {
        match self.offsets.len() {
            0 => self.range.start,
            n => self.offsets[i.min(n - 1)],
        }
    }

    /// Words joined with spaces, as `ssh` joins its command words; each
    /// byte still maps to where it came from (a space to the next word).
    pub fn joined(words: &[Word]) -> Word {
        let mut text = String::new();
        let mut offsets = Vec::new();
        let mut is_static = true;
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                text.push(' ');
                offsets.push(w.range.start);
            }
            text.push_str(&w.text);
            offsets.extend((0..w.text.len()).map(|i| w.offset(i)));
            is_static &= w.is_static;
        }
        let end = words.last().map_or(0, |w| w.range.end);
        offsets.push(end);
        let start = words.first().map_or(0, |w| w.range.start);
        Word::new(text, is_static, start..end, offsets)
    }

    /// Span in the analysed text of `sub`, a byte range of `self.text`.
    pub fn span_of(&self, sub: Range<usize>) -> Range<usize> {
        if self.offsets.is_empty() {
            return self.range.clone();
        }
        let start = self.offset(sub.start);
        let end = if sub.end > sub.start {
            self.offset(sub.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }

    /// The name of a command word without its directory (`/usr/bin/psql` → `psql`).
    pub fn basename(&self) -> &str {
        self.text.rsplit('/').next().unwrap_or(&self.text)
    }

    pub(super) fn remap(&mut self, outer: &Word) {
        self.range = outer.span_of(self.range.clone());
        let mapped: Vec<usize> = self
            .offsets
            .iter()
            .map(|o| outer.span_of(*o..*o).start)
            .collect();
        self.offsets = mapped.into();
    }
}

/// `NAME=value`, before a command (`PGPASSWORD=x psql`), on its own, or in
/// `export`/`local`/`declare`/`readonly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub name_range: Range<usize>,
    pub value: Option<Word>,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: Word,
    pub args: Vec<Word>,
    /// Assignments written before the command name.
    pub assignments: Vec<Assignment>,
    /// What the command reads on standard input, when the text says: a
    /// heredoc body, a here-string, or the text an `echo`/`printf` pipes in.
    pub stdin: Vec<Word>,
    /// Byte range of the whole command.
    pub range: Range<usize>,
    /// The commands this one runs inside, outermost first: `ssh`,
    /// `kubectl exec`, `sudo`, `bash -c`, or the functions it was expanded from.
    pub via: Vec<String>,
}

impl Command {
    /// The command's name without its directory.
    pub fn name(&self) -> &str {
        self.name.basename()
    }

    /// Is `option` (`--master`, `-X`) given, as `--master`, `--master=v`,
    /// or for a one-letter option also bundled (`-XPATCH`)?
    pub fn has_option(&self, option: &str) -> bool {
        self.option_word(option).is_some()
    }

    /// The word that carries `option`.
    pub fn option_word(&self, option: &str) -> Option<&Word> {
        self.args_before_end()
            .iter()
            .find(|w| matches_option(&w.text, option))
    }

    /// Values of an option that takes one: `-X PATCH`, `-XPATCH`,
    /// `--request PATCH`, `--request=PATCH`. Each value is returned as the
    /// word holding it and the byte range of the value inside that word.
    pub fn option_values(&self, names: &[&str]) -> Vec<(&Word, Range<usize>)> {
        let args = self.args_before_end();
        let mut out = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let w = &args[i];
            for name in names {
                if w.text == *name {
                    if let Some(v) = args.get(i + 1) {
                        out.push((v, 0..v.text.len()));
                        i += 1;
                    }
                    break;
                }
                if name.starts_with("--") {
                    if let Some(rest) = w.text.strip_prefix(name).and_then(|r| r.strip_prefix('='))
                    {
                        let at = w.text.len() - rest.len();
                        out.push((w, at..w.text.len()));
                        break;
                    }
                } else if name.len() == 2
                    && w.text.starts_with(name)
                    && !w.text.starts_with("--")
                    && w.text.len() > 2
                {
                    out.push((w, 2..w.text.len()));
                    break;
                } else if name.len() == 2 && is_flag_bundle(&w.text) && w.text.ends_with(&name[1..])
                {
                    // `psql -XAtc 'SQL'`: flags bundled before the option
                    // that takes the next word as its value.
                    if let Some(v) = args.get(i + 1) {
                        out.push((v, 0..v.text.len()));
                        i += 1;
                    }
                    break;
                }
            }
            i += 1;
        }
        out
    }

    /// Arguments that are not options, skipping the values of the options
    /// listed in `takes_value` (`-c FILE` of patronictl).
    pub fn positionals(&self, takes_value: &[&str]) -> Vec<&Word> {
        let mut out = Vec::new();
        let mut skip = false;
        let mut after_end = false;
        for w in &self.args {
            if skip {
                skip = false;
                continue;
            }
            if after_end || !w.text.starts_with('-') || w.text == "-" {
                out.push(w);
                continue;
            }
            if w.text == "--" {
                after_end = true;
                continue;
            }
            skip = !w.text.contains('=') && takes_value.contains(&w.text.as_str());
        }
        out
    }

    /// Arguments before a lone `--` (after it come operands, not options).
    fn args_before_end(&self) -> &[Word] {
        let end = self
            .args
            .iter()
            .position(|w| w.text == "--")
            .unwrap_or(self.args.len());
        &self.args[..end]
    }

    /// The command as one line, for messages (`patronictl failover --force`).
    pub fn display(&self) -> String {
        std::iter::once(&self.name)
            .chain(&self.args)
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `-XAtc`: one dash and letters only, more than one of them.
fn is_flag_bundle(word: &str) -> bool {
    word.len() > 2
        && word.starts_with('-')
        && !word.starts_with("--")
        && word[1..].chars().all(|c| c.is_ascii_alphabetic())
}

/// `--master` matches `--master` and `--master=x`; `-X` also matches `-XPATCH`.
fn matches_option(word: &str, option: &str) -> bool {
    if word == option {
        return true;
    }
    if option.starts_with("--") {
        return word
            .strip_prefix(option)
            .is_some_and(|r| r.starts_with('='));
    }
    option.len() == 2 && !word.starts_with("--") && word.starts_with(option)
}

/// Every command of a text, and every assignment.
#[derive(Debug, Default, Clone)]
pub struct CommandModel {
    pub commands: Vec<Command>,
    pub assignments: Vec<Assignment>,
}
