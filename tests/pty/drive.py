#!/usr/bin/env python3
"""Drive a command through a pseudo-terminal, as an operator would.

Usage: drive.py PLAN.json. The plan: {"argv": [...], "env": {...}, "cwd": "...",
"timeout": seconds, "steps": [...], "exit": N}. Each step waits until the
output (since the previous match) matches the regex "expect", then types
"send" (a string; "\\n" ends a line) or, with "interrupt": true, presses
Ctrl-C (ETX through the terminal, so the kernel sends SIGINT to the
foreground process group, exactly as on a real terminal). After the last
step the output is read to the end and the exit status compared with "exit".

Prints one JSON object: {"ok": bool, "exit": N, "transcript": "...",
"failed_step": i or null, "reason": "..."}. Exit status 0 always when the
plan could be run; the caller asserts on "ok".
"""
import json
import os
import pty
import re
import select
import sys
import time

plan = json.load(open(sys.argv[1]))
deadline_each = plan.get("timeout", 20)
pid, fd = pty.fork()
if pid == 0:
    if plan.get("cwd"):
        os.chdir(plan["cwd"])
    env = dict(os.environ)
    env.update(plan.get("env", {}))
    for name in plan.get("unset", []):
        env.pop(name, None)
    env["TERM"] = "dumb"
    os.execvpe(plan["argv"][0], plan["argv"], env)

transcript = b""
cursor = 0


def read_some(timeout):
    global transcript
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    if not data:
        return False
    transcript += data
    return True


def result(ok, reason="", failed=None, status=None):
    print(json.dumps({
        "ok": ok,
        "exit": status,
        "reason": reason,
        "failed_step": failed,
        "transcript": transcript.decode("utf-8", "replace"),
    }))
    sys.exit(0)


for i, step in enumerate(plan.get("steps", [])):
    pattern = re.compile(step["expect"])
    deadline = time.time() + step.get("timeout", deadline_each)
    while True:
        m = pattern.search(transcript.decode("utf-8", "replace"), cursor)
        if m:
            cursor = m.end()
            break
        if time.time() > deadline:
            os.kill(pid, 9)
            result(False, f"timed out waiting for {step['expect']!r}", i)
        if not read_some(0.2):
            m = pattern.search(transcript.decode("utf-8", "replace"), cursor)
            if m:
                cursor = m.end()
                break
            _, st = os.waitpid(pid, 0)
            result(False, f"the program ended before {step['expect']!r}", i, os.waitstatus_to_exitcode(st))
    if "pause" in step:
        time.sleep(step["pause"])
    if step.get("interrupt"):
        os.write(fd, b"\x03")
    elif "send" in step:
        os.write(fd, step["send"].encode())

deadline = time.time() + deadline_each
while read_some(0.2):
    if time.time() > deadline:
        os.kill(pid, 9)
        result(False, "did not end")
_, st = os.waitpid(pid, 0)
status = os.waitstatus_to_exitcode(st)
want = plan.get("exit")
if want is not None and status != want:
    result(False, f"exit status {status}, expected {want}", None, status)
result(True, "", None, status)
