//! Property test: any text placed in a title, expected result, checklist
//! item or variable value is printed verbatim by the generated script (a
//! description as its Markdown's plain text), appears escaped (never as live HTML) in the book and the print
//! page, and never executes.

use crate::common::*;
use proptest::prelude::*;

/// TOML basic-string escaping of arbitrary text.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text full of shell and template metacharacters, with a canary command.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("$(touch CANARY)".to_string()),
            Just("`touch CANARY`".to_string()),
            Just("'; touch CANARY; '".to_string()),
            Just("\"; touch CANARY; \"".to_string()),
            Just("\\".to_string()),
            Just("%s %d %n".to_string()),
            Just("{{ proc.id }}".to_string()),
            Just("{% if true %}x{% endif %}".to_string()),
            Just("<script>alert(1)</script>".to_string()),
            Just("${HOME}".to_string()),
            Just("!!".to_string()),
            Just("*".to_string()),
            "[a-zA-Z0-9 ]{0,8}",
            "\\PC{0,6}",
        ],
        1..6,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn spec_text_never_executes_and_prints_verbatim(title in hostile_text(), desc in hostile_text(), value in hostile_text()) {
        let project = mini_project(None);
        let canary = project.path().join("canary");
        let c = canary.to_str().unwrap();
        let title = title.replace("CANARY", c);
        let desc = format!("{}\nsecond line {}", desc.replace("CANARY", c), title);
        let value = value.replace("CANARY", c);
        let spec = project.path().join("spec");
        let rb = spec.join("runbooks/failover.toml");
        let text = std::fs::read_to_string(&rb).unwrap()
            .replace("title = \"Look at the cluster\"", &format!("title = {}", toml_str(&title)))
            .replace("description = \"Read-only\"", &format!("description = {}", toml_str(&desc)))
            .replace("expect = \"the cluster is printed\"", &format!("expect = {}", toml_str(&value)));
        std::fs::write(&rb, text).unwrap();
        let list = spec.join("checklists/pre-promotion.toml");
        let text = std::fs::read_to_string(&list).unwrap().replace("text = \"Promotion approved\"", &format!("text = {}", toml_str(&title)));
        std::fs::write(&list, text).unwrap();
        let env = spec.join("environments/lab.toml");
        let text = std::fs::read_to_string(&env).unwrap().replace("CLUSTER = \"pg-test\"", &format!("CLUSTER = {}", toml_str(&value)));
        std::fs::write(&env, text).unwrap();

        let out = rbgen().current_dir(project.path()).arg("build").output().unwrap();
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let script = project.path().join("generated/scripts/lab/failover.sh");

        let listed = std::process::Command::new(&script).arg("--list").output().unwrap();
        prop_assert!(String::from_utf8_lossy(&listed.stdout).contains(&title));

        let dry = std::process::Command::new(&script)
            .args(["--dry-run", "--old-primary", "10.0.0.1"])
            .env("RBGEN_LOG_DIR", project.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&dry.stdout);
        prop_assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
        // A description is Markdown, shown on a terminal as its plain text
        // (no backticks or emphasis marks): exactly that text, with nothing
        // of it run or expanded by the shell.
        let loaded = rbgen::spec::Spec::load(&spec).unwrap_or_else(|_| panic!("the spec loads"));
        let plain = rbgen::generate::prose::to_terminal(&loaded, Some("failover"), &desc, rbgen::generate::prose::Breaks::Soft);
        for line in plain.lines() {
            prop_assert!(shown.contains(line), "description line {:?} not printed as its plain text", line);
        }
        prop_assert!(shown.contains("second line"), "description missing");
        // An empty expected result is simply not printed.
        prop_assert!(value.is_empty() || shown.contains(&format!("expect: {value}")), "expect text not verbatim");
        prop_assert!(shown.contains(&format!("probe ran on {value} for 10.0.0.1")), "variable value not verbatim");
        prop_assert!(shown.contains(&title));
        prop_assert!(!canary.exists(), "spec text executed");

        let html = std::fs::read_to_string(project.path().join("generated/print/runbooks.html")).unwrap();
        prop_assert!(!html.contains("<script>"), "live HTML in the print page");
        // The book's Markdown as mdBook turns it into HTML: `<script>` in a
        // code span is text (escaped), only a live tag would be HTML.
        let md = std::fs::read_to_string(project.path().join("generated/book/runbooks/failover.md")).unwrap();
        let mut book_html = String::new();
        pulldown_cmark::html::push_html(&mut book_html, pulldown_cmark::Parser::new_ext(&md, rbgen::generate::prose::options()));
        prop_assert!(!book_html.contains("<script>"), "live HTML in the book");

        // The printed binder: spec text is typeset, never run as Typst.
        // Laying out a PDF is the slow part of a case (about 2 s on two
        // cores, cold), so one case in four prints: ten binders a run.
        static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let print_this_case = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 4 == 0;
        if cfg!(feature = "pdf") && print_this_case {
            let pdf = project.path().join("lab.pdf");
            let printed = rbgen().current_dir(project.path()).args(["print", "--env", "lab", "--out"]).arg(&pdf).output().unwrap();
            prop_assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
            // `-raw`: in content order. pdftotext's reading order would put
            // the step's kind (the right-hand column) inside a wrapped title.
            let text = std::process::Command::new("pdftotext").arg("-raw").arg(&pdf).arg("-").output().unwrap();
            // Lines wrap anywhere in a long title: compare without whitespace.
            let text: String = String::from_utf8_lossy(&text.stdout).split_whitespace().collect();
            let title_words: String = title.split_whitespace().collect();
            // The embedded fonts cover Latin, Greek and Cyrillic; other
            // scripts need `--font-dir`, so only those titles are compared.
            let covered = title_words.chars().all(|c| (c as u32) < 0x0530);
            prop_assert!(!covered || text.contains(&title_words), "title {:?} not printed verbatim", title_words);
            prop_assert!(!canary.exists(), "spec text executed while printing");
        }
    }
}
