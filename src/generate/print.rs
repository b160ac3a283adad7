//! The printable single page: the book's Markdown rendered by pulldown-cmark
//! into one self-contained HTML file (inline CSS, no JavaScript, nothing
//! fetched), for when the network or the wiki is down.

use anyhow::{Result, anyhow};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use serde_json::{Value, json};

/// Anchor of a page inside the single HTML file.
fn anchor(path: &str) -> String {
    format!(
        "page-{}",
        path.trim_end_matches(".md").replace(['/', '.'], "-")
    )
}

fn to_html(markdown: &str, page: &str) -> String {
    let options = super::prose::options() | Options::ENABLE_HEADING_ATTRIBUTES;
    let here = anchor(page);
    let mut code: Option<String> = None;
    let events = Parser::new_ext(markdown, options).filter_map(move |event| {
        // Code is wrapped here, not by the browser, so that a continued
        // line is marked as one (↪) instead of restarting at column 0.
        match (&mut code, &event) {
            (None, Event::Start(Tag::CodeBlock(_))) => {
                code = Some(String::new());
                return None;
            }
            (Some(buf), Event::Text(t)) => {
                buf.push_str(t);
                return None;
            }
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let text = code.take().unwrap_or_default();
                return Some(Event::Html(CowStr::from(code_html(&text))));
            }
            (Some(_), _) => return None,
            _ => {}
        }
        Some(event)
    });
    let events = events.map(|event| match event {
        // Heading anchors (`{#step-x}`) are unique per page: prefix the page.
        Event::Start(Tag::Heading {
            level,
            id: Some(id),
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(format!("{here}--{id}"))),
            classes,
            attrs,
        }),
        // Links between book pages become links inside this page.
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if is_book_link(&dest_url) => {
            let (target, fragment) = dest_url.split_once('#').unwrap_or((&dest_url, ""));
            let target = target.trim_start_matches("../");
            let page_anchor = if target.is_empty() {
                here.clone()
            } else {
                anchor(target)
            };
            let dest = if fragment.is_empty() {
                format!("#{page_anchor}")
            } else {
                format!("#{page_anchor}--{fragment}")
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(dest),
                title,
                id,
            })
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// Characters per printed code line: DejaVu Sans Mono at 9 pt across the
/// A4 text width of the print page.
const CODE_COLUMNS: usize = 88;

fn code_html(code: &str) -> String {
    let mut out = String::from("<pre><code>");
    for (line, continued) in super::prose::wrap_code(code, CODE_COLUMNS) {
        if continued {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            out.push_str(&format!(
                "{}<span class=\"cont\" title=\"continues the line above\">↪</span> {}\n",
                " ".repeat(indent),
                super::markdown::html_escape(body)
            ));
        } else {
            out.push_str(&super::markdown::html_escape(&line));
            out.push('\n');
        }
    }
    out.push_str("</code></pre>\n");
    out
}

fn is_book_link(url: &str) -> bool {
    !url.contains("://")
        && url
            .split('#')
            .next()
            .is_some_and(|p| p.is_empty() || p.ends_with(".md"))
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
            json!({"anchor": anchor(path), "class": class, "html": to_html(md, path)})
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
