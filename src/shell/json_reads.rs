//! Which keys of a JSON document a program reads: a `jq` filter's paths
//! (`.a.b`, `."a b"`, `.["a"]`, in `select`, `map`, string
//! interpolations), `python3 -c` over `json.load(sys.stdin)` (`["key"]`,
//! `.get("key")`) and `grep '"key":'` over pretty-printed JSON. A reader of
//! jq's surface syntax, not an evaluator: only keys read from the input
//! count, never keys a program builds, its variables, or what
//! `to_entries` makes. Lint (RB025) matches these against what a tool
//! outputs.

use crate::shell::command::{Command, Word};
use std::collections::BTreeSet;
use std::ops::Range;

/// A JSON object key a program reads from its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub key: String,
    /// Byte range in the program of the key (for `."k"` and `.["k"]` from
    /// the opening quote).
    pub at: Range<usize>,
    /// The key as a message shows it (`.Lag`, `."Lag in MB"`, `["role"]`).
    pub shown: String,
    /// The key read just above it (`Tags` in `.Tags.custom`), when known:
    /// keys under a user-defined map are not checked.
    pub parent: Option<String>,
    /// Keys read as alternatives to this one (`."Replay Lag" // ."Lag in
    /// MB"`): the read is fine when any of them is in the output.
    pub alternatives: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `.name` or `."name"`: the key and whether it was quoted.
    Field(String, bool),
    /// `.` alone.
    Dot,
    /// `..`
    DotDot,
    /// A string; `true` when it has interpolations (its key is not static).
    Str(String, bool),
    Var(String),
    Ident(String),
    Format,
    Number,
    Open(u8),
    Close(u8),
    Pipe,
    Comma,
    Colon,
    Semi,
    Question,
    /// `//`
    Alt,
    Op,
}

#[derive(Debug, Clone)]
struct T {
    tok: Tok,
    at: Range<usize>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// jq's tokens. Bash leftovers (`${X}`, `$(…)`) in a double-quoted program
/// are skipped as one operator token.
struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    out: Vec<T>,
    /// How deep in `"\(… "\(…)" …)"` the lexer is (bounded: hostile input).
    nesting: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            src: text.as_bytes(),
            text,
            pos: 0,
            out: Vec::new(),
            nesting: 0,
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.src.get(self.pos + k).copied()
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(T {
            tok,
            at: start..self.pos,
        });
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            if is_ident(b) {
                self.pos += 1;
            } else if b == b':'
                && self.peek(1) == Some(b':')
                && self.peek(2).is_some_and(is_ident_start)
            {
                self.pos += 2;
            } else {
                break;
            }
        }
        self.text[start..self.pos].to_string()
    }

    /// Skip from an opening bracket to its match (bash `$(…)`, `${…}`).
    fn skip_balanced(&mut self, open: u8, close: u8) {
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            self.pos += 1;
            if b == open {
                depth += 1;
            } else if b == close {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
        }
    }

    /// A string starting at the `"` under `pos`: its decoded text and whether
    /// it interpolates; the tokens of interpolations are pushed after it.
    fn string(&mut self) -> (String, bool, Range<usize>, Vec<T>) {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        let mut dynamic = false;
        let mut inner = Vec::new();
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            match b {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let next = self.peek(1);
                    self.pos += 2;
                    match next {
                        Some(b'(') if self.nesting < 16 => {
                            dynamic = true;
                            let open = self.pos - 1;
                            inner.push(T {
                                tok: Tok::Open(b'('),
                                at: open..open + 1,
                            });
                            let saved = std::mem::take(&mut self.out);
                            self.nesting += 1;
                            self.tokens(true);
                            self.nesting -= 1;
                            let close = self.pos;
                            inner.append(&mut std::mem::replace(&mut self.out, saved));
                            if self.peek(0) == Some(b')') {
                                self.pos += 1;
                            }
                            inner.push(T {
                                tok: Tok::Close(b'('),
                                at: close..self.pos,
                            });
                        }
                        Some(b'n') => text.push('\n'),
                        Some(b't') => text.push('\t'),
                        Some(b'r') => text.push('\r'),
                        Some(b'u') => {
                            let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                            if let Some(ch) =
                                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                            {
                                text.push(ch);
                                self.pos += 4;
                            }
                        }
                        Some(c) if c.is_ascii() => text.push(c as char),
                        Some(_) => {
                            // A backslash before a wide character: keep it.
                            self.pos -= 1;
                        }
                        None => {}
                    }
                }
                _ => {
                    let ch = self.text[self.pos..].chars().next().unwrap_or(' ');
                    text.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
        self.pos = self.pos.min(self.src.len());
        (text, dynamic, start..self.pos, inner)
    }

    /// Tokens until the end, or (`in_interpolation`) until the `)` closing
    /// a `\(` (left unconsumed).
    fn tokens(&mut self, in_interpolation: bool) {
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            let start = self.pos;
            let b = self.src[self.pos];
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'#' => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'"' => {
                    let (text, dynamic, at, mut inner) = self.string();
                    self.out.push(T {
                        tok: Tok::Str(text, dynamic),
                        at,
                    });
                    self.out.append(&mut inner);
                }
                b'.' => match self.peek(1) {
                    Some(b'.') => {
                        self.pos += 2;
                        self.push(Tok::DotDot, start);
                    }
                    Some(c) if c.is_ascii_digit() => {
                        self.pos += 1;
                        self.number();
                        self.push(Tok::Number, start);
                    }
                    Some(c) if is_ident_start(c) => {
                        self.pos += 1;
                        let name = self.ident();
                        self.push(Tok::Field(name, false), start);
                    }
                    Some(b'"') => {
                        self.pos += 1;
                        let (text, dynamic, at, mut inner) = self.string();
                        if dynamic {
                            self.out.push(T {
                                tok: Tok::Dot,
                                at: start..start + 1,
                            });
                            self.out.push(T {
                                tok: Tok::Str(text, true),
                                at,
                            });
                            self.out.append(&mut inner);
                        } else {
                            self.push(Tok::Field(text, true), start);
                        }
                    }
                    _ => {
                        self.pos += 1;
                        self.push(Tok::Dot, start);
                    }
                },
                b'$' => match self.peek(1) {
                    Some(b'(') => {
                        self.pos += 1;
                        self.skip_balanced(b'(', b')');
                        self.push(Tok::Op, start);
                    }
                    Some(b'{') => {
                        self.pos += 1;
                        self.skip_balanced(b'{', b'}');
                        self.push(Tok::Op, start);
                    }
                    Some(c) if is_ident_start(c) => {
                        self.pos += 1;
                        let name = self.ident();
                        self.push(Tok::Var(name), start);
                    }
                    _ => {
                        self.pos += 1;
                        self.push(Tok::Op, start);
                    }
                },
                b'@' => {
                    self.pos += 1;
                    self.ident();
                    self.push(Tok::Format, start);
                }
                c if is_ident_start(c) => {
                    let name = self.ident();
                    self.push(Tok::Ident(name), start);
                }
                c if c.is_ascii_digit() => {
                    self.number();
                    self.push(Tok::Number, start);
                }
                b'(' | b'[' | b'{' => {
                    if b == b'(' {
                        depth += 1;
                    }
                    self.pos += 1;
                    self.push(Tok::Open(b), start);
                }
                b')' | b']' | b'}' => {
                    if b == b')' {
                        if in_interpolation && depth == 0 {
                            return;
                        }
                        depth = depth.saturating_sub(1);
                    }
                    self.pos += 1;
                    let open = match b {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    self.push(Tok::Close(open), start);
                }
                b'|' => {
                    self.pos += 1;
                    if self.peek(0) == Some(b'=') {
                        self.pos += 1;
                        self.push(Tok::Op, start);
                    } else {
                        self.push(Tok::Pipe, start);
                    }
                }
                b',' => {
                    self.pos += 1;
                    self.push(Tok::Comma, start);
                }
                b':' => {
                    self.pos += 1;
                    self.push(Tok::Colon, start);
                }
                b';' => {
                    self.pos += 1;
                    self.push(Tok::Semi, start);
                }
                b'?' => {
                    self.pos += 1;
                    if self.peek(0) == Some(b'/') && self.peek(1) == Some(b'/') {
                        self.pos += 2;
                        self.push(Tok::Op, start);
                    } else {
                        self.push(Tok::Question, start);
                    }
                }
                b'/' if self.peek(1) == Some(b'/') && self.peek(2) != Some(b'=') => {
                    self.pos += 2;
                    self.push(Tok::Alt, start);
                }
                _ => {
                    let ch = self.text[self.pos..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                    self.pos += ch.max(1);
                    self.push(Tok::Op, start);
                }
            }
        }
    }

    fn number(&mut self) {
        while self.pos < self.src.len() {
            let b = self.src[self.pos];
            let exponent_sign = (b == b'+' || b == b'-')
                && self.pos > 0
                && matches!(self.src[self.pos - 1], b'e' | b'E');
            if b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || exponent_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
    }
}

fn lex(program: &str) -> Vec<T> {
    let mut l = Lexer::new(program);
    l.tokens(false);
    l.out
}

/// How a key is shown in a message: `.Member`, `."Lag in MB"`.
fn shown(key: &str) -> String {
    if key.bytes().next().is_some_and(is_ident_start) && key.bytes().all(is_ident) {
        format!(".{key}")
    } else {
        format!(".{key:?}")
    }
}

/// One open bracket of a jq program while it is read.
struct Frame {
    open: u8,
    /// In `{…}`: the next token is a key (not a value).
    expect_key: bool,
    /// `as {k: $v}`: keys are read from the input, not built.
    pattern: bool,
    /// The current pipe stage has no token yet.
    stage_first: bool,
    /// The stage so far is only a path of keys (`.Tags.custom`).
    stage_pure: bool,
    /// The last key of that path.
    stage_last: Option<String>,
    /// The key whose value is this stage's input (`.Tags | .custom`).
    inherited: Option<String>,
    /// The stage builds an object with keys only known at run time
    /// (`reduce`, `from_entries`, `.[$k] = …`, `{(.Member): …}`).
    dynamic: bool,
    /// This frame's input is now such an object: its keys are not checked.
    built_input: bool,
}

impl Frame {
    fn new(open: u8, inherited: Option<String>) -> Frame {
        Frame {
            open,
            expect_key: open == b'{',
            pattern: false,
            stage_first: true,
            stage_pure: true,
            stage_last: None,
            inherited,
            dynamic: false,
            built_input: false,
        }
    }
}

/// Functions whose argument reads the same input as the call.
const SAME_INPUT: &[&str] = &["select", "del", "has", "path", "if", "try", "first", "last"];

/// The object keys a jq program reads from its input.
pub fn jq_reads(program: &str) -> Vec<Read> {
    let ts = lex(program);
    let ident =
        |i: usize, name: &str| matches!(ts.get(i), Some(T { tok: Tok::Ident(n), .. }) if n == name);
    let entries = ts.iter().any(|t| {
        matches!(&t.tok, Tok::Ident(n) if matches!(n.as_str(), "to_entries" | "with_entries" | "from_entries"))
    });
    // After `fromjson` the input is JSON the tool's output only carried.
    let fromjson = ts
        .iter()
        .position(|t| matches!(&t.tok, Tok::Ident(n) if n == "fromjson"))
        .map_or(usize::MAX, |i| ts[i].at.start);
    // Variables bound to the input (`.[] as $m`), whose keys are read too.
    let bound: BTreeSet<String> = ts
        .windows(2)
        .filter_map(|w| match (&w[0].tok, &w[1].tok) {
            (Tok::Ident(a), Tok::Var(v)) if a == "as" => Some(v.clone()),
            _ => None,
        })
        .collect();

    // (read, from shorthand `{k}`, index of the key's last token)
    let mut reads: Vec<(Read, bool, usize)> = Vec::new();
    let mut built: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![Frame::new(b'T', None)];
    // The key the previous token ended a path with, if it did.
    let mut chain: Option<String> = None;
    // The path being read hangs off a variable: Some(checked).
    let mut var_chain: Option<bool> = None;
    // The previous token ends a term that a `.k`/`["k"]` can follow.
    let mut postfix = false;
    let mut i = 0;
    while i < ts.len() {
        let t = &ts[i];
        let top = stack.len() - 1;
        let op = |k: usize| ts.get(k).map_or("", |t| &program[t.at.clone()]);
        let builds = match &t.tok {
            Tok::Ident(n) => matches!(
                n.as_str(),
                "reduce" | "foreach" | "from_entries" | "with_entries" | "INDEX"
            ),
            Tok::Open(b'(') => stack[top].open == b'{' && stack[top].expect_key,
            Tok::Op => {
                i > 0
                    && ts[i - 1].tok == Tok::Close(b'[')
                    && (op(i) == "|=" || (op(i) == "=" && op(i + 1) != "="))
            }
            _ => false,
        };
        if builds {
            stack[top].dynamic = true;
        }
        let from_built = stack.iter().any(|f| f.built_input);
        let mut is_path = false;
        let mut next_chain: Option<String> = None;
        let mut next_postfix = false;
        let mut next_var_chain: Option<bool> = None;
        // Keys of an object under construction (or a destructuring pattern).
        if stack[top].open == b'{' && stack[top].expect_key {
            let next = ts.get(i + 1).map(|n| &n.tok);
            match &t.tok {
                Tok::Ident(name) | Tok::Str(name, false) => {
                    let shorthand = matches!(next, Some(Tok::Comma) | Some(Tok::Close(b'{')));
                    let is_ident = matches!(t.tok, Tok::Ident(_));
                    if !from_built && (stack[top].pattern || (shorthand && is_ident)) {
                        reads.push((
                            Read {
                                key: name.clone(),
                                at: t.at.clone(),
                                shown: shown(name),
                                parent: stack[top].inherited.clone(),
                                alternatives: Vec::new(),
                            },
                            true,
                            i,
                        ));
                    }
                    if !stack[top].pattern {
                        built.insert(name.clone());
                    }
                    stack[top].expect_key = false;
                    i += 1;
                    continue;
                }
                Tok::Var(name) => {
                    built.insert(name.clone());
                    stack[top].expect_key = false;
                    i += 1;
                    continue;
                }
                Tok::Format | Tok::Number => {
                    stack[top].expect_key = false;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        match &t.tok {
            Tok::Field(key, _) => {
                is_path = true;
                let parent = if chain.is_some() {
                    chain.clone()
                } else if stack[top].stage_first {
                    stack[top].inherited.clone()
                } else {
                    None
                };
                if var_chain.unwrap_or(true) && !from_built {
                    reads.push((
                        Read {
                            key: key.clone(),
                            // After the dot: the key, or its opening quote.
                            at: t.at.start + 1..t.at.end,
                            shown: shown(key),
                            parent,
                            alternatives: Vec::new(),
                        },
                        false,
                        i,
                    ));
                }
                next_chain = Some(key.clone());
                next_postfix = true;
                next_var_chain = var_chain;
            }
            Tok::Dot => {
                is_path = true;
                next_postfix = true;
            }
            Tok::Question => {
                is_path = true;
                next_chain = chain.clone();
                next_postfix = postfix;
                next_var_chain = var_chain;
            }
            Tok::Var(name) => {
                next_postfix = true;
                next_var_chain = Some(bound.contains(name) && name != "ENV" && name != "__loc__");
            }
            Tok::Ident(name) if name == "env" => {
                next_postfix = true;
                next_var_chain = Some(false);
            }
            Tok::Open(b'[') if postfix => {
                // `.["k"]`, `.a["k"]`: a key; `.[]`, `.[0]`: a level down.
                if let (
                    Some(T {
                        tok: Tok::Str(key, false),
                        at,
                    }),
                    Some(T {
                        tok: Tok::Close(b'['),
                        ..
                    }),
                ) = (ts.get(i + 1), ts.get(i + 2))
                {
                    let parent = if chain.is_some() {
                        chain.clone()
                    } else if stack[top].stage_first {
                        stack[top].inherited.clone()
                    } else {
                        None
                    };
                    if var_chain.unwrap_or(true) && !from_built {
                        reads.push((
                            Read {
                                key: key.clone(),
                                at: at.clone(),
                                shown: shown(key),
                                parent,
                                alternatives: Vec::new(),
                            },
                            false,
                            i + 2,
                        ));
                    }
                    stack[top].stage_first = false;
                    stack[top].stage_last = Some(key.clone());
                    chain = Some(key.clone());
                    postfix = true;
                    i += 3;
                    continue;
                }
                stack[top].stage_first = false;
                stack[top].stage_pure = false;
                stack.push(Frame::new(b'[', None));
                chain = None;
                postfix = false;
                var_chain = None;
                i += 1;
                continue;
            }
            Tok::Open(open) => {
                // `select(…)`, `(…)` and `{…}` at the start of a stage read
                // the stage's input; `map(…)` and `[…]` a level down.
                let call = match i.checked_sub(1).map(|p| &ts[p].tok) {
                    Some(Tok::Ident(f)) => Some(f.as_str()),
                    _ => None,
                };
                let inherits = stack[top].stage_first
                    && match (open, call) {
                        (b'(', Some(f)) => SAME_INPUT.contains(&f),
                        (b'(', None) | (b'{', None) => true,
                        _ => false,
                    };
                let inherited = if inherits {
                    stack[top].inherited.clone()
                } else {
                    None
                };
                let pattern = *open == b'{' && ident(i.wrapping_sub(1), "as");
                stack[top].stage_first = false;
                stack[top].stage_pure = false;
                let mut frame = Frame::new(*open, inherited);
                frame.pattern = pattern;
                stack.push(frame);
                chain = None;
                postfix = false;
                var_chain = None;
                i += 1;
                continue;
            }
            Tok::Close(_) => {
                if stack.len() > 1 {
                    let closed = stack.pop().is_some_and(|f| f.dynamic);
                    let top = stack.len() - 1;
                    stack[top].dynamic |= closed;
                }
                let top = stack.len() - 1;
                stack[top].stage_pure = false;
                stack[top].stage_first = false;
                chain = None;
                postfix = true;
                var_chain = None;
                i += 1;
                continue;
            }
            Tok::Alt => {
                // `.Tags // {}`, `// null`, `// empty`: still the same path.
                let default = match (ts.get(i + 1).map(|t| &t.tok), ts.get(i + 2).map(|t| &t.tok)) {
                    (Some(Tok::Open(b'{')), Some(Tok::Close(b'{'))) => 2,
                    (Some(Tok::Ident(n)), _) if n == "null" || n == "empty" => 1,
                    _ => 0,
                };
                if default > 0 {
                    i += 1 + default;
                    chain = None;
                    postfix = true;
                    var_chain = None;
                    continue;
                }
            }
            Tok::Pipe => {
                let f = &mut stack[top];
                f.built_input |= f.dynamic;
                f.dynamic = false;
                f.inherited = if f.stage_pure {
                    f.stage_last.take()
                } else {
                    None
                };
                f.stage_first = true;
                f.stage_pure = true;
                f.stage_last = None;
                chain = None;
                postfix = false;
                var_chain = None;
                i += 1;
                continue;
            }
            Tok::Comma | Tok::Semi | Tok::Colon => {
                let f = &mut stack[top];
                if f.open != b'{' {
                    f.dynamic = false;
                }
                if f.open == b'{' {
                    if matches!(t.tok, Tok::Comma) {
                        f.expect_key = true;
                    }
                    if matches!(t.tok, Tok::Colon) {
                        f.expect_key = false;
                    }
                }
                f.stage_first = true;
                f.stage_pure = true;
                f.stage_last = None;
                chain = None;
                postfix = false;
                var_chain = None;
                i += 1;
                continue;
            }
            _ => {}
        }
        let f = &mut stack[top];
        if is_path {
            if let Some(k) = &next_chain {
                f.stage_last = Some(k.clone());
            }
        } else {
            f.stage_pure = false;
            f.stage_last = None;
        }
        // A function call keeps "start of the stage" for its `(`.
        let is_call_name = matches!(&t.tok, Tok::Ident(n) if SAME_INPUT.contains(&n.as_str()))
            && matches!(ts.get(i + 1).map(|n| &n.tok), Some(Tok::Open(b'(')));
        f.stage_first = is_call_name && f.stage_first;
        chain = next_chain;
        postfix = next_postfix;
        var_chain = next_var_chain;
        i += 1;
    }
    alternatives(&ts, &mut reads);
    reads
        .into_iter()
        .filter(|(r, shorthand, _)| *shorthand || !built.contains(&r.key))
        .filter(|(r, _, _)| !(entries && (r.key == "key" || r.key == "value")))
        .filter(|(r, _, _)| r.at.start < fromjson)
        .map(|(r, _, _)| r)
        .collect()
}

/// `a // b`: the last key of the path before `//` and of the path after it
/// are alternatives (`."Replay Lag" // ."Lag in MB"` reads whichever the
/// version has; in `.xlog.replayed_location // .xlog.location` only the
/// two last keys are).
fn alternatives(ts: &[T], reads: &mut [(Read, bool, usize)]) {
    let read_ending_at = |end: usize| reads.iter().position(|r| r.2 == end);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (a, t) in ts.iter().enumerate() {
        if t.tok != Tok::Alt || a == 0 {
            continue;
        }
        let mut before = a - 1;
        if ts[before].tok == Tok::Question && before > 0 {
            before -= 1;
        }
        let Some(left) = read_ending_at(before) else {
            continue;
        };
        // The path after `//`, to its last key.
        let mut j = a + 1;
        let mut right = None;
        while j < ts.len() {
            match &ts[j].tok {
                Tok::Dot | Tok::Question => {}
                Tok::Field(..) => right = read_ending_at(j).or(right),
                Tok::Open(b'[') => {
                    // `["k"]`, `[]`, `[0]`
                    let close =
                        (j + 1..ts.len().min(j + 3)).find(|&k| ts[k].tok == Tok::Close(b'['));
                    let Some(close) = close else { break };
                    right = read_ending_at(close).or(right);
                    j = close;
                }
                _ => break,
            }
            j += 1;
        }
        let Some(right) = right else { continue };
        match groups.iter_mut().find(|g| g.contains(&left)) {
            Some(g) => g.push(right),
            None => groups.push(vec![left, right]),
        }
    }
    for g in groups {
        let keys: Vec<String> = g.iter().map(|&i| reads[i].0.key.clone()).collect();
        for &i in &g {
            reads[i].0.alternatives = keys
                .iter()
                .filter(|k| **k != reads[i].0.key)
                .cloned()
                .collect();
        }
    }
}

/// Keys a Python program reads from `json.load(sys.stdin)`: `x["k"]` and
/// `x.get("k")` (not `os.environ[…]`, not assignments, not keys of dict
/// literals it builds).
pub fn python_reads(program: &str) -> Vec<Read> {
    if !(program.contains("json.load(sys.stdin") || program.contains("json.loads(sys.stdin")) {
        return Vec::new();
    }
    // `receiver["key"]` (then `= …` when written) or `receiver.get("key"`.
    static ACCESS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(\w*)([\])]?)(?:\[\s*|(\.get\(\s*))(["'])([^"'\\\n]+)["']\s*(\]\s*=[^=])?"#,
        )
        .unwrap()
    });
    static LITERAL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"[{,]\s*["']([^"'\\\n]+)["']\s*:"#).unwrap()
    });
    let built: BTreeSet<&str> = LITERAL
        .captures_iter(program)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    let mut out = Vec::new();
    for c in ACCESS.captures_iter(program) {
        let receiver = c.get(1).map_or("", |m| m.as_str());
        let chained = c.get(2).is_some_and(|m| !m.as_str().is_empty());
        let get = c.get(3).is_some();
        if matches!(receiver, "environ" | "argv" | "os" | "sys")
            || (receiver.is_empty() && !chained && !get)
        {
            continue; // `os.environ["X"]`; `["a", "b"]` is a list
        }
        if c.get(6).is_some() {
            continue; // `d["k"] = …`: written, not read
        }
        let (Some(quote), Some(key)) = (c.get(4), c.get(5)) else {
            continue;
        };
        if built.contains(key.as_str()) {
            continue;
        }
        out.push(Read {
            key: key.as_str().to_string(),
            at: quote.start()..key.end() + 1,
            shown: format!("[{:?}]", key.as_str()),
            parent: None,
            alternatives: Vec::new(),
        });
    }
    out
}

/// `grep '"role":'`: a key of pretty-printed JSON matched by its name.
pub fn grep_reads(c: &Command) -> Option<(&Word, Read)> {
    let patterns = c.option_values(&["-e", "--regexp"]);
    let (word, range) = match patterns.first() {
        Some((w, r)) => (*w, r.clone()),
        None => {
            let w = *c
                .positionals(&["-m", "--max-count", "-A", "-B", "-C", "-f", "--file"])
                .first()?;
            (w, 0..w.text.len())
        }
    };
    let p = &word.text[range.clone()];
    let rest = p.strip_prefix('"')?;
    let end = rest.find('"')?;
    let key = &rest[..end];
    if key.is_empty() || key.contains(['\\', '*', '[', '|', '(', '.']) {
        return None;
    }
    let after = rest[end + 1..]
        .trim_start_matches([' ', '*'])
        .trim_start_matches("\\s*")
        .trim_start_matches("[[:space:]]*");
    if !after.starts_with(':') {
        return None;
    }
    Some((
        word,
        Read {
            key: key.to_string(),
            at: range.start..range.start + end + 2,
            shown: format!("\"{key}\":"),
            parent: None,
            alternatives: Vec::new(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(program: &str) -> Vec<String> {
        jq_reads(program).into_iter().map(|r| r.key).collect()
    }

    #[test]
    fn jq_keys_of_paths_selects_and_quoted_names() {
        assert_eq!(keys(".[] | select(.Lag < 10)"), ["Lag"]);
        assert_eq!(keys(".[] | .\"Lag in MB\""), ["Lag in MB"]);
        assert_eq!(
            keys(".[][\"Lag in MB\"], .[0].Member"),
            ["Lag in MB", "Member"]
        );
        assert_eq!(
            keys(".[] | select(.Role == \"Leader\") | .Member"),
            ["Role", "Member"]
        );
        assert_eq!(
            keys(".xlog.replayed_location"),
            ["xlog", "replayed_location"]
        );
        assert_eq!(keys("map(.name) | length"), ["name"]);
        assert_eq!(keys(".[] | \"\\(.Member): \\(.Host)\""), ["Member", "Host"]);
        assert_eq!(keys(".a? // .b | .5 + 1"), ["a", "b"]);
        // Positions: the key after the dot, or its opening quote.
        let p = ".[] | .\"Lag in MB\" | .x";
        let r = jq_reads(p);
        assert_eq!(&p[r[0].at.clone()], "\"Lag in MB\"");
        assert_eq!(&p[r[1].at.clone()], "x");
        let p = ".[\"a b\"]";
        assert_eq!(&p[jq_reads(p)[0].at.clone()], "\"a b\"");
    }

    #[test]
    fn jq_names_the_program_defines_are_not_keys() {
        // Object construction, then reading what it built.
        assert_eq!(
            keys(".[] | {name: .Member, \"lag\": .\"Lag in MB\"} | select(.lag > 1) | .name"),
            ["Member", "Lag in MB"]
        );
        // `{Member}` reads `.Member`.
        assert_eq!(keys(".[] | {Member, Role}"), ["Member", "Role"]);
        // Variables, functions, $ENV, env, $__loc__, string literals.
        assert_eq!(
            keys(
                "def lag: .x; .[] as $m | $m.Member, $ENV.HOME, env.PATH, $__loc__, $arg.y, lag, \"not.a.key\""
            ),
            ["x", "Member"]
        );
        // to_entries/with_entries: key and value are jq's own.
        assert_eq!(
            keys(".[0].Tags | to_entries[] | \"\\(.key)=\\(.value)\""),
            ["Tags"]
        );
        assert_eq!(
            keys("with_entries(select(.value != null))"),
            Vec::<String>::new()
        );
        // After fromjson the keys are of the embedded document.
        assert_eq!(
            keys(".kvs[0].value | @base64d | fromjson | .ttl"),
            ["kvs", "value"]
        );
        // Bash leftovers in a double-quoted program.
        assert_eq!(
            keys(".[] | select(.Member == \"$M\") | .${F} | .[$(i)]"),
            ["Member"]
        );
    }

    #[test]
    fn jq_parents_follow_paths_and_pipes() {
        let parents = |p: &str| -> Vec<Option<String>> {
            jq_reads(p).into_iter().map(|r| r.parent).collect()
        };
        assert_eq!(parents(".Tags.custom"), [None, Some("Tags".into())]);
        assert_eq!(parents(".Tags | .custom"), [None, Some("Tags".into())]);
        assert_eq!(
            parents(".Tags | select(.custom)"),
            [None, Some("Tags".into())]
        );
        assert_eq!(parents(".Tags[] | .x"), [None, None]);
        assert_eq!(
            parents(".tags[\"nofailover\"]"),
            [None, Some("tags".into())]
        );
    }
}
