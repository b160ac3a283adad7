//! HTTP requests (`curl`, `wget`): any method but GET/HEAD changes state;
//! Patroni's REST API is read for what the request does — `POST /failover`
//! and `/switchover` promote, `PATCH /config` without `standby_cluster`
//! promotes a standby cluster, `POST /reinitialize` wipes a replica.

use super::Action;
use crate::shell::command::{Command, Word};

const DATA: &[&str] = &[
    "-d",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "-F",
    "--form",
    "-T",
    "--upload-file",
    "--post-data",
    "--body-data",
    "--post-file",
    "--body-file",
];

/// Options of curl and wget, besides the data ones, that take a value (so
/// their values are not URLs).
const OTHER_WITH_VALUE: &[&str] = &[
    "-X",
    "--request",
    "-H",
    "--header",
    "-u",
    "--user",
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-w",
    "--write-out",
    "--cacert",
    "--cert",
    "--key",
    "-E",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-b",
    "--cookie",
    "-c",
    "--cookie-jar",
    "--retry",
    "--retry-delay",
    "--url",
    "-x",
    "--proxy",
    "--resolve",
    "--interface",
    "-O",
    "--output-document",
    "--method",
    "-t",
    "--tries",
    "--timeout",
    "--ca-certificate",
    "--certificate",
    "--private-key",
    "--http-user",
    "--http-password",
    "--unix-socket",
    "-K",
    "--config",
];

/// Every option of curl and wget that takes a value.
fn with_value() -> Vec<&'static str> {
    DATA.iter().chain(OTHER_WITH_VALUE).copied().collect()
}

pub fn request(c: &Command, out: &mut Vec<Action>) {
    if matches!(c.name(), "http" | "https" | "xh" | "xhs") {
        return httpie(c, out);
    }
    let method = c
        .option_values(&["-X", "--request", "--method"])
        .into_iter()
        .next_back()
        .map(|(w, r)| (w.text[r.clone()].to_ascii_uppercase(), w.span_of(r)));
    let data: Vec<(&Word, std::ops::Range<usize>)> = c.option_values(DATA);
    // `curl -G -d q=1` sends the data as a query string on a GET.
    let get = c.has_option("-G") || c.has_option("--get");
    let method = match method {
        // A method only known at run time (`-X "$method"`) proves nothing.
        Some((m, _)) if m.starts_with('$') => return,
        Some(m) => m,
        None if get => return,
        None if !data.is_empty() => {
            // Data without a method is a POST; the data word proves it.
            let (w, _) = &data[0];
            ("POST".to_string(), w.range.clone())
        }
        None => return,
    };
    if matches!(method.0.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return;
    }
    let url = c
        .option_values(&["--url"])
        .into_iter()
        .map(|(w, _)| w)
        .chain(c.positionals(&with_value()))
        .find(|w| w.text.contains('/') || w.text.contains(':'));
    classify(c, method, url, &data, out);
}

/// httpie and xh: `http [OPTIONS] [METHOD] URL [ITEMS]`; data items
/// (`key=value`, `key:=json`) without a method make a POST.
fn httpie(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&[
        "-a",
        "--auth",
        "-A",
        "--auth-type",
        "-o",
        "--output",
        "--session",
        "--verify",
        "--cert",
        "--cert-key",
        "--timeout",
        "-p",
        "--print",
    ]);
    let explicit = pos.first().filter(|w| {
        matches!(
            w.text.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        )
    });
    let url_index = usize::from(explicit.is_some());
    let Some(url) = pos.get(url_index).copied() else {
        return;
    };
    let items: Vec<&Word> = pos[url_index + 1..]
        .iter()
        .copied()
        .filter(|w| w.text.contains('=') && !w.text.contains("==") || w.text.contains(":="))
        .collect();
    let method = match explicit {
        Some(m) => (m.text.clone(), m.range.clone()),
        None if !items.is_empty() => ("POST".to_string(), items[0].range.clone()),
        None => return,
    };
    if matches!(method.0.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return;
    }
    // The JSON body httpie builds from `standby_cluster:=null`.
    let body: Vec<(&Word, std::ops::Range<usize>)> = items
        .iter()
        .filter(|w| w.text.replace(' ', "") == "standby_cluster:=null")
        .map(|w| (*w, 0..w.text.len()))
        .collect();
    let data: Vec<(&Word, std::ops::Range<usize>)> =
        if body.is_empty() { Vec::new() } else { body };
    classify(c, method, Some(url), &data, out);
}

/// What a request with this method, URL and data does.
fn classify(
    c: &Command,
    method: (String, std::ops::Range<usize>),
    url: Option<&Word>,
    data: &[(&Word, std::ops::Range<usize>)],
    out: &mut Vec<Action>,
) {
    let path = url.map(|u| path_of(&u.text)).unwrap_or_default();
    let endpoint = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let url_at = url.map_or(method.1.clone(), |u| u.range.clone());
    let verb = &method.0;
    match (verb.as_str(), endpoint) {
        ("POST", "failover") => out.push(Action::promotes(
            format!("`{verb} /failover` (Patroni REST API)"),
            url_at,
        )),
        ("POST", "switchover") => out.push(
            Action::promotes(format!("`{verb} /switchover` (Patroni REST API)"), url_at).planned(),
        ),
        ("POST", "reinitialize") => out.push(Action::destroys(
            format!("`{verb} /reinitialize` (Patroni REST API)"),
            method.1,
        )),
        ("PATCH" | "PUT", "config") => {
            let dropped = data
                .iter()
                .find(|(w, r)| removes_standby_cluster(&w.text[r.clone()]))
                .map(|(w, _)| w.range.clone())
                .or_else(|| {
                    // `-d @-` reads the body from standard input (a heredoc).
                    let from_stdin = data.iter().any(|(w, r)| &w.text[r.clone()] == "@-");
                    from_stdin
                        .then(|| {
                            c.stdin
                                .iter()
                                .find(|b| removes_standby_cluster(&b.text))
                                .map(|b| b.range.clone())
                        })
                        .flatten()
                });
            match dropped {
                Some(at) => out.push(Action::promotes(
                    format!("`{verb} /config` removing `standby_cluster` (Patroni REST API)"),
                    at,
                )),
                None => out.push(Action::changes(
                    format!("`{verb} /config` (Patroni REST API)"),
                    method.1,
                )),
            }
        }
        ("DELETE", _) => out.push(Action::destroys(format!("an HTTP `{verb}`"), method.1)),
        _ => out.push(Action::changes(format!("an HTTP `{verb}`"), method.1)),
    }
}

/// The path of a URL, without query or fragment.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("").to_string()
}

/// JSON with `"standby_cluster": null`.
fn removes_standby_cluster(data: &str) -> bool {
    if data.replace(' ', "") == "standby_cluster:=null" {
        return true;
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(data) {
        return map
            .get("standby_cluster")
            .is_some_and(serde_json::Value::is_null);
    }
    let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"standby_cluster\":null")
}
