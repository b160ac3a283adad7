//! The printable single page: the book's Markdown rendered by pulldown-cmark
//! into one self-contained HTML file (inline CSS, no JavaScript, nothing
//! fetched), for when the network or the wiki is down.

use anyhow::{Result, anyhow};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};
use serde_json::{Value, json};

/// Anchor of a page inside the single HTML file.
fn anchor(path: &str) -> String {
    format!(
        "page-{}",
        path.trim_end_matches(".md").replace(['/', '.'], "-")
    )
}

fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut skipping = false;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        // Mermaid needs JavaScript; the page prints the text tree instead.
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref lang)))
            if lang.as_ref() == "mermaid" =>
        {
            skipping = true;
            None
        }
        Event::End(TagEnd::CodeBlock) if skipping => {
            skipping = false;
            None
        }
        _ if skipping => None,
        // Links between book pages become links inside this page.
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if is_book_link(&dest_url) => {
            let page = dest_url.split('#').next().unwrap_or_default();
            let page = page.trim_start_matches("../");
            Some(Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(format!("#{}", anchor(page))),
                title,
                id,
            }))
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn is_book_link(url: &str) -> bool {
    !url.contains("://") && url.split('#').next().is_some_and(|p| p.ends_with(".md"))
}

pub fn render(tera: &tera::Tera, base: &Value, pages: &[(String, String)]) -> Result<String> {
    let sections: Vec<Value> = pages
        .iter()
        .filter(|(path, _)| path != "SUMMARY.md")
        .map(|(path, md)| {
            let class = if path.starts_with("runbooks/") || path.starts_with("drills/") {
                "chapter procedure"
            } else {
                "chapter"
            };
            json!({"anchor": anchor(path), "class": class, "html": to_html(md)})
        })
        .collect();
    let ctx =
        json!({"project": base["project"], "generator": base["generator"], "sections": sections});
    let ctx = tera::Context::from_serialize(&ctx)
        .map_err(|e| anyhow!("{}", super::templates::render_error(&e)))?;
    tera.render("print.html", &ctx).map_err(|e| {
        anyhow!(
            "template print.html.tera: {}",
            super::templates::render_error(&e)
        )
    })
}
