//! A Markdown runbook as sections of blocks: what `rbgen import` reads.
//!
//! pulldown-cmark does the parsing (CommonMark with GitHub's task lists and
//! tables); this module only groups its events into headings and the
//! top-level blocks under each, keeping every block's source text so that
//! prose, tables and configuration excerpts reach the spec as written.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// A fenced or indented code block.
#[derive(Debug, Clone)]
pub struct Code {
    /// The info string's first word, lower case (`bash`, `sql`, `console`).
    pub lang: String,
    pub text: String,
}

/// One item of a list.
#[derive(Debug, Clone, Default)]
pub struct Item {
    /// The item's text before its first code block, one line.
    pub text: String,
    /// Its text besides the code (continuation paragraphs), as Markdown.
    pub more: String,
    pub code: Vec<Code>,
    /// `Some(done)` for a `- [ ]` / `- [x]` task.
    pub task: Option<bool>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Paragraph(String),
    Code(Code),
    List {
        ordered: bool,
        items: Vec<Item>,
        source: String,
    },
    Table(String),
    /// Anything else (quotes, HTML, rules), as written.
    Other(String),
    /// YAML (`---`) or TOML (`+++`) front matter, as written.
    Metadata(String),
}

#[derive(Debug, Clone)]
pub struct Section {
    /// 0 for the text before the first heading.
    pub level: u8,
    pub title: String,
    pub blocks: Vec<Block>,
    pub parent: Option<usize>,
    /// Byte range of the heading line in the file (for messages).
    pub at: Range<usize>,
}

/// The document's sections in order; index 0 is the preamble.
pub fn sections(text: &str) -> Vec<Section> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut metadata: Option<String> = None;
    let mut out = vec![Section {
        level: 0,
        title: String::new(),
        blocks: Vec::new(),
        parent: None,
        at: 0..0,
    }];
    let mut depth = 0usize;
    let mut top: Option<(Tag, Range<usize>)> = None;
    // State of the top-level block being read.
    let mut heading = String::new();
    let mut code: Option<Code> = None;
    let mut items: Vec<Item> = Vec::new();
    let mut item_depth = 0usize;
    let mut in_item_code = false;
    let mut item_blocks_started = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let event_kind = if matches!(event, Event::Code(_)) {
            EventKind::Code
        } else {
            EventKind::Other
        };
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    top = Some((tag.clone(), range.clone()));
                    heading.clear();
                    items.clear();
                    if let Tag::CodeBlock(kind) = &tag {
                        code = Some(Code {
                            lang: lang_of(kind),
                            text: String::new(),
                        });
                    }
                } else if matches!(top, Some((Tag::List(_), _))) {
                    match &tag {
                        Tag::Item if depth == 1 => {
                            items.push(Item::default());
                            item_depth = depth;
                            item_blocks_started = false;
                        }
                        Tag::CodeBlock(kind) => {
                            in_item_code = true;
                            item_blocks_started = true;
                            if let Some(item) = items.last_mut() {
                                item.code.push(Code {
                                    lang: lang_of(kind),
                                    text: String::new(),
                                });
                            }
                        }
                        Tag::Paragraph
                            if depth > item_depth + 1
                                || !items.last().is_some_and(|i| i.text.is_empty()) =>
                        {
                            item_blocks_started = true;
                            if let Some(item) = items.last_mut() {
                                if let Some(src) = text.get(range.clone()) {
                                    item.more.push_str(src.trim());
                                    item.more.push_str("\n\n");
                                }
                            }
                        }
                        Tag::List(_) => item_blocks_started = true,
                        _ => {}
                    }
                }
                depth += 1;
            }
            Event::End(end) => {
                depth -= 1;
                if matches!(end, TagEnd::CodeBlock) {
                    in_item_code = false;
                }
                if depth == 0 {
                    let Some((tag, start)) = top.take() else {
                        continue;
                    };
                    let src = text
                        .get(start.start..range.end)
                        .unwrap_or_default()
                        .to_string();
                    match tag {
                        Tag::Heading { level, .. } => {
                            let level = heading_level(level);
                            let parent = (0..out.len()).rev().find(|&i| out[i].level < level);
                            out.push(Section {
                                level,
                                title: heading.trim().to_string(),
                                blocks: Vec::new(),
                                parent,
                                at: start.start..range.end,
                            });
                        }
                        Tag::CodeBlock(_) => {
                            if let Some(c) = code.take() {
                                push(&mut out, Block::Code(c));
                            }
                        }
                        Tag::List(first) => push(
                            &mut out,
                            Block::List {
                                ordered: first.is_some(),
                                items: std::mem::take(&mut items),
                                source: src,
                            },
                        ),
                        Tag::Paragraph => push(&mut out, Block::Paragraph(src)),
                        Tag::Table(_) => push(&mut out, Block::Table(src)),
                        Tag::MetadataBlock(_) => push(
                            &mut out,
                            Block::Metadata(metadata.take().unwrap_or_default()),
                        ),
                        _ => push(&mut out, Block::Other(src)),
                    }
                }
            }
            Event::Text(t) if matches!(top, Some((Tag::MetadataBlock(_), _))) => {
                metadata.get_or_insert_with(String::new).push_str(&t);
            }
            Event::Text(t) | Event::Code(t) => {
                let inline_code = matches!(event_kind, EventKind::Code);
                let t: pulldown_cmark::CowStr = if inline_code
                    && code.is_none()
                    && !matches!(top, Some((Tag::Heading { .. }, _)))
                {
                    format!("`{t}`").into()
                } else {
                    t
                };
                if let Some(c) = code.as_mut() {
                    c.text.push_str(&t);
                } else if matches!(top, Some((Tag::Heading { .. }, _))) {
                    heading.push_str(&t);
                } else if let Some(item) = items.last_mut() {
                    if in_item_code {
                        if let Some(c) = item.code.last_mut() {
                            c.text.push_str(&t);
                        }
                    } else if !item_blocks_started && !t.trim().is_empty() {
                        if !item.text.is_empty() {
                            item.text.push(' ');
                        }
                        item.text.push_str(t.trim());
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(item) = items.last_mut() {
                    if !item_blocks_started && !item.text.is_empty() && !in_item_code {
                        item.text.push(' ');
                    }
                }
            }
            Event::TaskListMarker(done) => {
                if let Some(item) = items.last_mut() {
                    item.task = Some(done);
                }
            }
            Event::Rule if depth == 0 => {}
            Event::Html(h) if depth == 0 => push(&mut out, Block::Other(h.to_string())),
            _ => {}
        }
    }
    for s in &mut out {
        for b in &mut s.blocks {
            if let Block::List { items, .. } = b {
                for i in items {
                    i.text = i.text.split_whitespace().collect::<Vec<_>>().join(" ");
                }
            }
        }
    }
    out
}

enum EventKind {
    Code,
    Other,
}

fn push(out: &mut [Section], block: Block) {
    if let Some(last) = out.last_mut() {
        last.blocks.push(block);
    }
}

fn lang_of(kind: &CodeBlockKind) -> String {
    match kind {
        CodeBlockKind::Fenced(info) => info
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        CodeBlockKind::Indented => String::new(),
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_nest_and_blocks_stay_with_their_heading() {
        let md = "# Doc\n\nIntro.\n\n## Env\n\n```bash\nexport A=1\n```\n\n## Proc\n\n1. Check\n\n   ```sh\n   psql -c 'select 1'\n   ```\n\n2. Done\n\n- [ ] first\n- [x] second\n";
        let s = sections(md);
        assert_eq!(s.len(), 4);
        assert_eq!(s[2].title, "Env");
        assert_eq!(s[2].parent, Some(1));
        let Block::Code(c) = &s[2].blocks[0] else {
            panic!("{:?}", s[2].blocks)
        };
        assert_eq!((c.lang.as_str(), c.text.as_str()), ("bash", "export A=1\n"));
        let Block::List {
            ordered: true,
            items,
            ..
        } = &s[3].blocks[0]
        else {
            panic!("{:?}", s[3].blocks)
        };
        assert_eq!(items[0].text, "Check");
        assert_eq!(items[0].code[0].text, "psql -c 'select 1'\n");
        assert_eq!(items[1].text, "Done");
        let Block::List { items, .. } = &s[3].blocks[1] else {
            panic!()
        };
        assert_eq!(items[0].task, Some(false));
        assert_eq!(items[1].task, Some(true));
        assert_eq!(items[1].text, "second");
    }

    #[test]
    fn setext_headings_count() {
        let s = sections(
            "Failover\n========\n\nStep one\n--------\n\n```bash\naws rds describe-db-clusters\n```\n",
        );
        assert_eq!(s[1].title, "Failover");
        assert_eq!(s[2].title, "Step one");
        assert_eq!(s[2].level, 2);
    }
}
