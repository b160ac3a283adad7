//! `manifest.json`: the build's record of each runbook's and drill's version
//! and content hash (the type and its format: `semantics::manifest`).

use super::{GENERATOR, OutFile, Output};
use crate::semantics::manifest::{FILE, Manifest};
use crate::spec::Spec;
use anyhow::Result;

pub fn generate(spec: &Spec, out: &mut Output) -> Result<()> {
    out.insert(
        FILE.into(),
        OutFile {
            contents: Manifest::of(spec, GENERATOR).to_text().into_bytes(),
            executable: false,
        },
    );
    Ok(())
}
