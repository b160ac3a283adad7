//! Fuzz the bash analysis: every reported range lies inside the text, on
//! character boundaries, and names exactly the variable it reports; the
//! command model, its effects and function expansion never panic and keep
//! every span inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let a = rbgen::shell::analysis::analyse_uncached(text);
    for u in &a.uses {
        assert!(text.is_char_boundary(u.range.start) && text.is_char_boundary(u.range.end));
        assert_eq!(&text[u.range.clone()], u.name);
    }
    for d in &a.defs {
        assert!(text.get(d.range.clone()).is_some());
    }
    for (_, r) in a.commands.iter().chain(&a.invocations) {
        assert!(text.get(r.clone()).is_some());
    }
    let model = rbgen::shell::command::commands_uncached(text);
    for c in &model.commands {
        assert!(text.get(c.range.clone()).is_some());
        for w in std::iter::once(&c.name).chain(&c.args).chain(&c.stdin) {
            assert!(w.range.end <= text.len());
            let whole = w.span_of(0..w.text.len());
            assert!(whole.end <= text.len());
        }
        for a in rbgen::shell::effects::actions(c) {
            assert!(a.at.end <= text.len());
        }
    }
    // The text as a function body called with two arguments.
    let body = |name: &str| (name == "f").then(|| text.to_string());
    for c in rbgen::shell::inline::expanded_commands("f \"$X\" 'a b'", &body) {
        let _ = rbgen::shell::effects::actions(&c);
    }
    let _ = rbgen::shell::quote::sh_quote(text);
});
