//! `manifest.json`: per runbook and drill its version and a content hash, so
//! that `rbgen lint` (RB006) can tell a changed runbook whose version was not
//! bumped. No timestamps: two builds are byte-identical.

use super::{GENERATOR, OutFile, Output};
use crate::spec::Spec;
use anyhow::Result;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Hash of a spec file's text, line endings normalised so a CRLF checkout
/// hashes the same as an LF one.
pub fn content_hash(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n");
    let digest = Sha256::digest(normalised.as_bytes());
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

pub fn generate(spec: &Spec, out: &mut Output) -> Result<()> {
    let entry = |d: &crate::spec::Doc<crate::spec::model::Procedure>| {
        (
            d.doc.id.get_ref().clone(),
            json!({
                "version": d.doc.version.as_ref().map(|v| v.get_ref().as_str()),
                "hash": content_hash(&d.file.text),
            }),
        )
    };
    let manifest = json!({
        "generator": GENERATOR,
        "project": {
            "name": spec.project.doc.project.name.get_ref(),
            "version": spec.project.doc.project.version.get_ref(),
        },
        "runbooks": spec.runbooks.iter().map(entry).collect::<serde_json::Map<_, _>>(),
        "drills": spec.drills.iter().map(entry).collect::<serde_json::Map<_, _>>(),
    });
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    out.insert(
        "manifest.json".into(),
        OutFile {
            contents: text.into_bytes(),
            executable: false,
        },
    );
    Ok(())
}
