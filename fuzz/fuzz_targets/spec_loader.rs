//! Fuzz the spec loader, validation, generators and lint rules: the input is
//! one runbook file placed in the mini fixture spec. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static PROJECT: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/mini/spec");
    copy(&src, &dir.path().join("spec"));
    dir
});

fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let spec_dir = PROJECT.path().join("spec");
    std::fs::write(spec_dir.join("runbooks/fuzz.toml"), data).unwrap();
    match rbgen::spec::Spec::load(&spec_dir) {
        Err(diags) => {
            for d in &diags {
                let _ = d.render_human(false);
                let _ = d.render_short();
            }
        }
        Ok(spec) => {
            let _ = rbgen::generate::build_output(&spec, None);
            let today = jiff::civil::date(2026, 11, 26);
            let ctx = rbgen::lint::LintContext::new(&spec, today);
            for d in rbgen::lint::run(&ctx) {
                let _ = d.render_human(false);
            }
        }
    }
});
