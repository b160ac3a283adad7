//! The operating system: services, processes, files, packet filters, power.

use super::{Action, Effect, Fault};
use crate::shell::command::{Command, Word};

const SYSTEMCTL_WITH_VALUE: &[&str] = &[
    "-H",
    "--host",
    "-M",
    "--machine",
    "-t",
    "--type",
    "-p",
    "--property",
    "-n",
    "--lines",
    "-o",
    "--output",
    "-s",
    "--signal",
    "--kill-whom",
    "--state",
    "--job-mode",
];

/// `systemctl VERB UNIT…`, `service UNIT VERB`.
pub fn service(c: &Command, out: &mut Vec<Action>) {
    let Some((verb, units)) = verb_and_units(c) else {
        return;
    };
    let what = format!("`{} {}`", c.name(), verb.text);
    let at = verb.range.clone();
    match verb.text.as_str() {
        "stop" | "kill" => {
            let mut action = Action::destroys(what, at);
            action.fault = units.first().map(|u| Fault::Stop(unit_name(u)));
            out.push(action);
        }
        "mask" | "isolate" | "poweroff" | "reboot" | "halt" | "rescue" | "emergency" => {
            out.push(Action::destroys(what, at))
        }
        "start"
        | "restart"
        | "reload"
        | "try-restart"
        | "reload-or-restart"
        | "try-reload-or-restart"
        | "condrestart"
        | "force-reload"
        | "enable"
        | "disable"
        | "reenable"
        | "unmask"
        | "daemon-reload"
        | "reset-failed"
        | "set-property"
        | "edit"
        | "revert"
        | "set-environment"
        | "unset-environment"
        | "link"
        | "preset"
        | "freeze"
        | "thaw"
        | "clean" => out.push(Action::changes(what, at)),
        _ => {}
    }
}

/// The verb and the units, whichever order the tool takes them in.
fn verb_and_units(c: &Command) -> Option<(&Word, Vec<&Word>)> {
    let pos = c.positionals(SYSTEMCTL_WITH_VALUE);
    match c.name() {
        "service" => Some((*pos.get(1)?, vec![*pos.first()?])),
        _ => Some((*pos.first()?, pos[1..].to_vec())),
    }
}

/// `patroni.service` → `patroni`; `postgresql@16-main` → `postgresql`.
fn unit_name(w: &Word) -> String {
    let t = w.text.trim_end_matches(".service");
    t.split('@').next().unwrap_or(t).to_string()
}

/// `kill`, `pkill`, `killall`: `-9` kills, `-0` only probes.
pub fn kill(c: &Command, out: &mut Vec<Action>) {
    let signal = c.args.iter().find(|w| {
        w.text.starts_with('-')
            && w.text != "--"
            && !w.text.starts_with("--")
            && !matches!(
                w.text.as_str(),
                "-f" | "-x" | "-e" | "-u" | "-g" | "-P" | "-n" | "-o" | "-i" | "-v" | "-w"
            )
    });
    let signal_text = signal
        .map(|w| w.text.trim_start_matches('-').to_ascii_uppercase())
        .unwrap_or_default();
    if matches!(signal_text.as_str(), "0" | "L" | "LIST")
        || c.args
            .iter()
            .any(|w| w.text == "-s" || w.text == "--signal")
            && c.args.iter().any(|w| w.text == "0")
    {
        return;
    }
    // `pgrep … | xargs kill -9`: the operands come from standard input.
    let from_xargs = c.via.last().is_some_and(|v| v == "xargs");
    if c.positionals(&["-s", "--signal", "-u", "-g", "-P", "-t", "-U"])
        .is_empty()
        && !from_xargs
    {
        return;
    }
    // The service a pattern names: `[p]atroni` or `patroni`, for drills' undo.
    let target = c
        .positionals(&["-s", "--signal", "-u", "-g", "-P", "-t", "-U"])
        .last()
        .map(|w| w.text.replace(['[', ']'], ""))
        .filter(|t| {
            t.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        })
        .filter(|t| !t.chars().all(|ch| ch.is_ascii_digit()));
    let fault = target.map(Fault::Stop);
    let what = match signal {
        Some(s) => format!("`{} {}`", c.name(), s.text),
        None => format!("`{}`", c.name()),
    };
    let action = if matches!(
        signal_text.as_str(),
        "9" | "KILL" | "SIGKILL" | "STOP" | "SIGSTOP" | "19"
    ) {
        Action::destroys(
            what,
            signal.map_or(c.name.range.clone(), |w| w.range.clone()),
        )
    } else {
        Action::changes(what, c.name.range.clone())
    };
    out.push(Action { fault, ..action });
}

/// Removing, moving and overwriting files.
pub fn files(c: &Command, out: &mut Vec<Action>) {
    let name = c.name();
    let at = c.name.range.clone();
    match name {
        "rm" => {
            if c.positionals(&[]).is_empty() && c.via.last().is_none_or(|v| v != "xargs") {
                return;
            }
            let recursive = c.args.iter().any(|w| {
                w.text == "--recursive"
                    || (w.text.starts_with('-')
                        && !w.text.starts_with("--")
                        && w.text.contains(['r', 'R']))
            });
            if recursive {
                out.push(Action::destroys("`rm -r`", at));
            } else {
                out.push(Action::changes("`rm`", at));
            }
        }
        "shred" | "wipefs" => out.push(Action::destroys(format!("`{name}`"), at)),
        n if n.starts_with("mkfs") => out.push(Action::destroys(format!("`{name}`"), at)),
        "dd" => {
            if let Some(of) = c.args.iter().find(|w| w.text.starts_with("of=")) {
                let effect = if of.text.starts_with("of=/dev/") && of.text != "of=/dev/null" {
                    Effect::Destructive
                } else {
                    Effect::ChangesState
                };
                out.push(Action::new(effect, "`dd of=…`", of.range.clone()));
            }
        }
        "find" => {
            if let Some(w) = c.args.iter().find(|w| w.text == "-delete") {
                out.push(Action::destroys("`find -delete`", w.range.clone()));
            } else if let Some(i) = c
                .args
                .iter()
                .position(|w| w.text == "-exec" || w.text == "-execdir")
            {
                if c.args
                    .get(i + 1)
                    .is_some_and(|w| matches!(w.text.rsplit('/').next(), Some("rm" | "shred")))
                {
                    out.push(Action::destroys(
                        "`find -exec rm`",
                        c.args[i + 1].range.clone(),
                    ));
                }
            }
        }
        "rmdir" | "truncate" | "mv" => {
            if !c
                .positionals(&[
                    "-s",
                    "--size",
                    "-r",
                    "--reference",
                    "-t",
                    "--target-directory",
                    "-S",
                    "--suffix",
                ])
                .is_empty()
            {
                out.push(Action::changes(format!("`{name}`"), at));
            }
        }
        _ => {}
    }
}

/// Packet filters and links: dropping traffic is a fault drills must undo.
pub fn network(c: &Command, out: &mut Vec<Action>) {
    match c.name() {
        "iptables" | "ip6tables" => {
            let adds = c
                .args
                .iter()
                .find(|w| matches!(w.text.as_str(), "-A" | "-I" | "--append" | "--insert"));
            let target = c.option_values(&["-j", "--jump"]).into_iter().next();
            if let Some(add) = adds {
                match target {
                    Some((w, r)) if matches!(&w.text[r.clone()], "DROP" | "REJECT") => out.push(
                        Action::destroys(
                            format!("`{} {} … -j {}`", c.name(), add.text, &w.text[r.clone()]),
                            w.span_of(r),
                        )
                        .fault(Fault::Block("iptables", iptables_rule(c))),
                    ),
                    _ => out.push(Action::changes(
                        format!("`{} {}`", c.name(), add.text),
                        add.range.clone(),
                    )),
                }
            } else if let Some(w) = c.args.iter().find(|w| {
                matches!(
                    w.text.as_str(),
                    "-D" | "--delete"
                        | "-F"
                        | "--flush"
                        | "-X"
                        | "-P"
                        | "--policy"
                        | "-R"
                        | "--replace"
                        | "-N"
                        | "-Z"
                )
            }) {
                out.push(Action::changes(
                    format!("`{} {}`", c.name(), w.text),
                    w.range.clone(),
                ));
            }
        }
        "nft" => {
            let pos = c.positionals(&["-f", "--file"]);
            if let Some(verb) = pos.first().filter(|v| {
                matches!(
                    v.text.as_str(),
                    "add" | "insert" | "delete" | "flush" | "create" | "replace" | "destroy"
                )
            }) {
                let drops = pos.iter().any(|w| w.text == "drop" || w.text == "reject");
                let adding = matches!(verb.text.as_str(), "add" | "insert" | "create");
                if drops && adding {
                    out.push(
                        Action::destroys("`nft add rule … drop`", verb.range.clone())
                            .fault(Fault::Block("nft", None)),
                    );
                } else {
                    out.push(Action::changes(
                        format!("`nft {}`", verb.text),
                        verb.range.clone(),
                    ));
                }
            }
        }
        "tc" => {
            let pos = c.positionals(&[]);
            if let (Some(obj), Some(verb)) = (pos.first(), pos.get(1)) {
                if obj.text == "qdisc" && matches!(verb.text.as_str(), "add" | "change" | "replace")
                {
                    out.push(
                        Action::destroys("`tc qdisc add` (netem)", verb.range.clone())
                            .fault(Fault::Block("tc", device(c))),
                    );
                } else if obj.text == "qdisc" && verb.text == "del" {
                    out.push(Action::changes("`tc qdisc del`", verb.range.clone()));
                }
            }
        }
        "ip" => {
            let pos = c.positionals(&["-n", "-netns", "-f", "-family"]);
            let texts: Vec<&str> = pos.iter().map(|w| w.text.as_str()).collect();
            if texts.first() == Some(&"link") && texts.get(1) == Some(&"set") {
                if let Some(i) = texts.iter().position(|t| *t == "down") {
                    out.push(
                        Action::destroys("`ip link set … down`", pos[i].range.clone())
                            .fault(Fault::Block("link", device(c))),
                    );
                } else if texts.contains(&"up") {
                    out.push(Action::changes("`ip link set … up`", pos[1].range.clone()));
                }
            } else if matches!(
                texts.first(),
                Some(&("addr" | "address" | "route" | "r" | "a"))
            ) && matches!(
                texts.get(1),
                Some(&("add" | "del" | "delete" | "replace" | "flush" | "change"))
            ) {
                out.push(Action::changes(
                    format!("`ip {} {}`", texts[0], texts[1]),
                    pos[1].range.clone(),
                ));
            }
        }
        _ => {}
    }
}

pub fn power(c: &Command, out: &mut Vec<Action>) {
    if c.name() == "shutdown" && c.args.iter().any(|w| w.text == "-c") {
        return;
    }
    out.push(Action::destroys(
        format!("`{}`", c.name()),
        c.name.range.clone(),
    ));
}

/// `sed -i` edits a file in place.
pub fn edits(c: &Command, out: &mut Vec<Action>) {
    if c.name() == "sed" {
        if let Some(w) = c.args.iter().find(|w| {
            w.text == "-i" || w.text.starts_with("-i") || w.text.starts_with("--in-place")
        }) {
            out.push(Action::changes("`sed -i`", w.range.clone()));
        }
    }
}

/// An iptables rule as a key: chain and match, without the operation
/// (`-A`/`-I`/`-D`) or an insert position, so `-I INPUT 1 -p tcp --dport
/// 5432 -j DROP` and `-D INPUT -p tcp --dport 5432 -j DROP` are the same.
fn iptables_rule(c: &Command) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    let mut after_chain = false;
    for w in &c.args {
        let t = w.text.as_str();
        if matches!(t, "-A" | "-I" | "-D" | "--append" | "--insert" | "--delete") {
            after_chain = true;
            continue;
        }
        if after_chain && words.len() == 1 && t.chars().all(|ch| ch.is_ascii_digit()) {
            continue; // insert position
        }
        if after_chain {
            words.push(t);
        }
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// The network device a `tc`/`ip link` command names (`dev eth0`, or the
/// word after `set`).
fn device(c: &Command) -> Option<String> {
    let texts: Vec<&str> = c.args.iter().map(|w| w.text.as_str()).collect();
    texts
        .iter()
        .position(|t| *t == "dev" || *t == "set")
        .and_then(|i| texts.get(i + 1))
        .filter(|d| !d.starts_with('-') && **d != "dev")
        .map(|d| d.to_string())
}

/// The fault a command undoes: unblocking traffic, starting a service.
pub fn undoes(c: &Command) -> Option<Fault> {
    match c.name() {
        "iptables" | "ip6tables" => c
            .args
            .iter()
            .any(|w| matches!(w.text.as_str(), "-D" | "--delete" | "-F" | "--flush"))
            .then(|| {
                Fault::Block(
                    "iptables",
                    if c.args
                        .iter()
                        .any(|w| w.text == "-D" || w.text == "--delete")
                    {
                        iptables_rule(c)
                    } else {
                        None
                    },
                )
            }),
        "nft" => c
            .positionals(&["-f"])
            .first()
            .is_some_and(|v| matches!(v.text.as_str(), "delete" | "flush" | "destroy"))
            .then_some(Fault::Block("nft", None)),
        "tc" => {
            let pos = c.positionals(&[]);
            (pos.first().is_some_and(|w| w.text == "qdisc")
                && pos.get(1).is_some_and(|w| w.text == "del"))
            .then(|| Fault::Block("tc", device(c)))
        }
        "ip" => c
            .args
            .iter()
            .any(|w| w.text == "up")
            .then(|| Fault::Block("link", device(c))),
        "systemctl" | "service" => {
            let (verb, units) = verb_and_units(c)?;
            matches!(
                verb.text.as_str(),
                "start" | "restart" | "try-restart" | "reload-or-restart"
            )
            .then(|| units.first().map(|u| Fault::Stop(unit_name(u))))
            .flatten()
        }
        "pg_ctl" | "pg_ctlcluster" => c
            .args
            .iter()
            .any(|w| w.text == "start" || w.text == "restart")
            .then(|| Fault::Stop("postgresql".into())),
        _ => None,
    }
}
