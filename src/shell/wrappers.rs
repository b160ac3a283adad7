//! Commands that run another command: `sudo -u postgres psql`, `ssh host
//! "…"`, `kubectl exec POD -- patronictl …`, `bash -c '…'`, `timeout 30 …`.
//! For each, where the inner command starts — as argument words, or as a
//! string of shell to parse again.
//!
//! Each wrapper knows which of its options take a value, so that `sudo -u
//! postgres psql` runs `psql` and not `postgres`.

use super::model::{Assignment, Command, Word};

/// What a wrapper runs.
pub enum Inner {
    /// The inner command is the wrapper's remaining arguments.
    Command(Command),
    /// The inner command is shell text in one word (`bash -c '…'`, the
    /// command string of `ssh`), or a heredoc fed to a shell.
    Script(Word),
}

/// How a wrapper appears in `via` (`kubectl exec`, `bash -c`, `ssh`).
pub fn label(c: &Command) -> String {
    match c.name() {
        "kubectl" | "oc" | "docker" | "podman" => format!("{} exec", c.name()),
        "bash" | "sh" | "dash" | "zsh" | "ksh" if shell_option(c, &["-c"]).is_some() => {
            format!("{} -c", c.name())
        }
        name => name.to_string(),
    }
}

/// The commands `c` runs on behalf of its arguments, if it is a wrapper.
pub fn unwrap(c: &Command) -> Vec<Inner> {
    let args = &c.args;
    let found = match c.name() {
        "sudo" => after_options(
            args,
            &[
                "-u",
                "-g",
                "-p",
                "-C",
                "-D",
                "-h",
                "-r",
                "-t",
                "-T",
                "-U",
                "--user",
                "--group",
                "--prompt",
                "--chdir",
                "--host",
                "--role",
                "--type",
                "--other-user",
                "--close-from",
            ],
            "ugpCDhrtTU",
        )
        .map(|i| from_words(c, i)),
        "doas" => after_options(args, &["-u", "-C"], "uC").map(|i| from_words(c, i)),
        "nice" => after_options(args, &["-n", "--adjustment"], "n").map(|i| from_words(c, i)),
        "ionice" => after_options(args, &["-c", "-n", "--class", "--classdata"], "cn")
            .map(|i| from_words(c, i)),
        "stdbuf" => after_options(
            args,
            &["-i", "-o", "-e", "--input", "--output", "--error"],
            "ioe",
        )
        .map(|i| from_words(c, i)),
        "nohup" | "exec" | "setsid" | "time" => {
            after_options(args, &["-a"], "a").map(|i| from_words(c, i))
        }
        "command" if !args.iter().any(|a| a.text == "-v" || a.text == "-V") => {
            after_options(args, &[], "").map(|i| from_words(c, i))
        }
        "xargs" => after_options(
            args,
            &[
                "-n",
                "-I",
                "-P",
                "-d",
                "-L",
                "-s",
                "-E",
                "-a",
                "--max-args",
                "--max-procs",
                "--delimiter",
                "--arg-file",
            ],
            "nIPdLsEa",
        )
        .map(|i| from_words(c, i)),
        "timeout" => after_options(args, &["-s", "-k", "--signal", "--kill-after"], "sk")
            // The first operand is the duration.
            .and_then(|i| (i + 1 < args.len()).then(|| from_words(c, i + 1))),
        "env" => env(c),
        // `su - postgres <<'EOF'`: a login shell reading its script from stdin.
        "su" if shell_option(c, &["-c", "--command"]).is_none() => {
            c.stdin.first().cloned().map(Inner::Script)
        }
        "runuser" | "su" => shell_option(c, &["-c", "--command"]).or_else(|| {
            // `runuser -u postgres -- psql …`
            after_options(
                args,
                &[
                    "-u",
                    "-g",
                    "-G",
                    "--user",
                    "--group",
                    "--supp-group",
                    "-s",
                    "--shell",
                    "-w",
                    "--whitelist-environment",
                ],
                "ugGsw",
            )
            .filter(|_| {
                c.name() == "runuser" && args.iter().any(|a| a.text == "-u" || a.text == "--user")
            })
            .map(|i| from_words(c, i))
        }),
        "bash" | "sh" | "dash" | "zsh" | "ksh" => shell_option(c, &["-c"]).or_else(|| {
            // `bash -s -- ARGS <<'EOF'` or a plain `bash <<EOF`: the heredoc
            // (or what is piped in) is the script.
            let runs_stdin = c.args.iter().all(|a| a.text.starts_with('-'))
                || c.args.iter().any(|a| a.text == "-s");
            runs_stdin
                .then(|| c.stdin.first().cloned().map(Inner::Script))
                .flatten()
        }),
        "eval" => (args.len() == 1).then(|| Inner::Script(args[0].clone())),
        "watch" => {
            after_options(args, &["-n", "--interval", "-d", "-q", "--equexit"], "n").map(|i| {
                if args.len() == i + 1 {
                    Inner::Script(args[i].clone())
                } else {
                    from_words(c, i)
                }
            })
        }
        "flock" => shell_option(c, &["-c", "--command"]).or_else(|| {
            after_options(
                args,
                &["-w", "--timeout", "-E", "--conflict-exit-code"],
                "wE",
            )
            .and_then(|i| (i + 1 < args.len()).then(|| from_words(c, i + 1)))
        }),
        "ssh" => ssh(c),
        "ansible" => ansible(c),
        "kubectl" | "oc" => kubectl_exec(c),
        "docker" | "podman" => docker_exec(c),
        _ => None,
    };
    found.into_iter().collect()
}

/// Index of the first operand: options (and the values of those in
/// `with_value`, or bundled ones ending in a letter of `short_with_value`,
/// like `-iu postgres`) are skipped; `--` ends the options.
fn after_options(args: &[Word], with_value: &[&str], short_with_value: &str) -> Option<usize> {
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if t == "--" {
            return (i + 1 < args.len()).then_some(i + 1);
        }
        if !t.starts_with('-') || t == "-" {
            return Some(i);
        }
        let takes_value = with_value.contains(&t)
            || (!t.starts_with("--")
                && t.len() > 2
                && t[1..].chars().all(|ch| ch.is_ascii_alphabetic())
                && t.ends_with(|ch: char| short_with_value.contains(ch)));
        i += if takes_value { 2 } else { 1 };
    }
    None
}

/// The inner command made of `c`'s arguments from `start` on.
fn from_words(c: &Command, start: usize) -> Inner {
    let name = c.args[start].clone();
    Inner::Command(Command {
        range: name.range.start..c.range.end,
        name,
        args: c.args[start + 1..].to_vec(),
        assignments: Vec::new(),
        stdin: c.stdin.clone(),
        via: Vec::new(),
    })
}

/// `su - postgres -c "…"`, `bash -lc '…'`: the value of the option is shell.
fn shell_option(c: &Command, names: &[&str]) -> Option<Inner> {
    // Only the wrapper's own options: after `--` come the command's
    // (`runuser -u postgres -- psql -XAtc '…'`).
    let end = c
        .args
        .iter()
        .position(|a| a.text == "--")
        .unwrap_or(c.args.len());
    let args = &c.args[..end];
    args.iter().enumerate().find_map(|(i, a)| {
        let t = a.text.as_str();
        let bundled = t.starts_with('-')
            && !t.starts_with("--")
            && t.len() > 2
            && t.ends_with('c')
            && t[1..].chars().all(|ch| ch.is_ascii_alphabetic())
            && names.contains(&"-c");
        (names.contains(&t) || bundled)
            .then(|| args.get(i + 1).cloned().map(Inner::Script))
            .flatten()
    })
}

/// `env -i NAME=value … command args`.
fn env(c: &Command) -> Option<Inner> {
    let args = &c.args;
    let mut i = 0;
    let mut assignments = Vec::new();
    while i < args.len() {
        let t = &args[i].text;
        if matches!(t.as_str(), "-u" | "--unset" | "-C" | "--chdir" | "-S") {
            i += 2;
        } else if t.starts_with('-') {
            i += 1;
        } else if let Some((name, _)) = t.split_once('=').filter(|(n, _)| is_name(n)) {
            let w = &args[i];
            let value_at = name.len() + 1;
            assignments.push(Assignment {
                name: name.to_string(),
                name_range: w.span_of(0..name.len()),
                value: Some(Word::pinned(
                    t[value_at..].to_string(),
                    w.is_static,
                    w.span_of(value_at..t.len()),
                )),
            });
            i += 1;
        } else {
            break;
        }
    }
    (i < args.len()).then(|| match from_words(c, i) {
        Inner::Command(mut cmd) => {
            cmd.assignments = assignments;
            Inner::Command(cmd)
        }
        other => other,
    })
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// `ssh [options] HOST [COMMAND…]`: one argument is a string of shell the
/// remote side parses; several are joined by ssh, and read here as words.
fn ssh(c: &Command) -> Option<Inner> {
    let host = after_options(
        &c.args,
        &[
            "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o",
            "-p", "-Q", "-R", "-S", "-W", "-w", "-B",
        ],
        "bcDEeFIiJLlmOopQRSWwB",
    )?;
    let mut rest = &c.args[host + 1..];
    if rest.first().is_some_and(|w| w.text == "--") {
        rest = &rest[1..];
    }
    match rest.len() {
        0 => c.stdin.first().cloned().map(Inner::Script),
        // ssh joins its words with spaces and the remote shell parses the
        // result: `ssh h sudo su - postgres -c "'pg_ctl promote'"`.
        _ => Some(Inner::Script(Word::joined(rest))),
    }
}

/// `ansible HOSTS [-m shell|command|raw] -a "COMMAND"`: the ad-hoc command
/// (other modules take `key=value` arguments, not shell).
fn ansible(c: &Command) -> Option<Inner> {
    let module = c
        .option_values(&["-m", "--module-name"])
        .into_iter()
        .next()
        .map(|(w, r)| w.text[r].to_string());
    if !matches!(
        module.as_deref(),
        None | Some(
            "shell" | "command" | "raw" | "ansible.builtin.shell" | "ansible.builtin.command"
        )
    ) {
        return None;
    }
    c.option_values(&["-a", "--args"])
        .into_iter()
        .next()
        .map(|(w, r)| {
            if r.start == 0 && r.end == w.text.len() {
                Inner::Script(w.clone())
            } else {
                Inner::Script(Word::pinned(
                    w.text[r.clone()].to_string(),
                    w.is_static,
                    w.span_of(r),
                ))
            }
        })
}

/// `kubectl [-n NS] exec [-it] POD [-c CONTAINER] -- COMMAND…`.
fn kubectl_exec(c: &Command) -> Option<Inner> {
    let exec = c.args.iter().position(|a| a.text == "exec")?;
    let dashes = c.args[exec..].iter().position(|a| a.text == "--")? + exec;
    (dashes + 1 < c.args.len()).then(|| from_words(c, dashes + 1))
}

/// `docker exec [-it] [-u USER] CONTAINER COMMAND…`.
fn docker_exec(c: &Command) -> Option<Inner> {
    let exec = c.args.iter().position(|a| a.text == "exec")?;
    let rest = &c.args[exec + 1..];
    let container = after_options(
        rest,
        &[
            "-u",
            "-e",
            "-w",
            "--user",
            "--env",
            "--workdir",
            "--env-file",
            "--detach-keys",
        ],
        "uew",
    )?;
    let start = exec + 1 + container + 1;
    (start < c.args.len()).then(|| from_words(c, start))
}
