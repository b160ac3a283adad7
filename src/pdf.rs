//! `rbgen print`: the binder's Typst source (`generate::paper`) laid out
//! into a PDF in-process by the typst crate, with the fonts embedded in the
//! binary (typst-assets) so that no system font, network or clock is read:
//! the same spec gives the same bytes on every machine.
//!
//! Only with the `pdf` cargo feature: typst is ~290 crates and about ten
//! minutes of release build on two cores, which the everyday `rbgen build`
//! should not pay for.

use anyhow::{Result, anyhow};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

struct BinderWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
}

impl World for BinderWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, _: FileId) -> FileResult<Bytes> {
        // Everything (the SVG tree included) is inside the one source.
        Err(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// Lay `source` out and write the PDF. `ident` fixes the PDF's document id
/// (the same for every build of the same spec and environment).
pub fn render(
    source: &str,
    ident: &str,
    font_dirs: &[std::path::PathBuf],
) -> Result<(Vec<u8>, usize)> {
    let mut fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    // Fonts for scripts the embedded ones lack (CJK, Indic, …): the user's
    // own files, in name order so that the output stays deterministic.
    for dir in font_dirs {
        let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(
                        e.to_ascii_lowercase().as_str(),
                        "ttf" | "otf" | "ttc" | "otc"
                    )
                })
            })
            .collect();
        files.sort();
        if files.is_empty() {
            anyhow::bail!(
                "--font-dir {}: no .ttf/.otf/.ttc font files there",
                dir.display()
            );
        }
        for file in files {
            let data =
                std::fs::read(&file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
            fonts.extend(Font::iter(Bytes::new(data)));
        }
    }
    let world = BinderWorld {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        main: Source::detached(source.to_string()),
    };
    let result = typst::compile::<PagedDocument>(&world);
    for w in &result.warnings {
        eprintln!("warning: {}", w.message);
    }
    let document = result.output.map_err(|errors| {
        let text: Vec<String> = errors
            .iter()
            .map(|e| {
                let at = typst::WorldExt::range(&world, e.span)
                    .map(|r| {
                        let line = source[..r.start].matches('\n').count() + 1;
                        format!(
                            " (generated source line {line}: {:?})",
                            &source[r.start..r.end.min(r.start + 80)]
                        )
                    })
                    .unwrap_or_default();
                format!("{}{at}", e.message)
            })
            .collect();
        anyhow!("laying out the PDF failed: {}", text.join("; "))
    })?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(ident.to_string()),
        timestamp: None,
        ..Default::default()
    };
    let pages = document.pages().len();
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| {
        anyhow!(
            "writing the PDF failed: {}",
            e.iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    Ok((pdf, pages))
}
