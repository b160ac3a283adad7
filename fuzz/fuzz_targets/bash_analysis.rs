//! Fuzz the bash analysis: every reported range lies inside the text, on
//! character boundaries, and names exactly the variable it reports.
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
    let _ = rbgen::shell::quote::sh_quote(text);
});
