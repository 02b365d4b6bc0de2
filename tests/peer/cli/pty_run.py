#!/usr/bin/python3
"""pty_run.py TRANSCRIPT ANSWER1,ANSWER2,... -- COMMAND...

Runs COMMAND on a pseudo-terminal (so mynacard prompts as it would for a person), types one
answer after each prompt (text ending in ": "), writes everything the terminal showed to
TRANSCRIPT and exits with COMMAND's exit code. Used to prove that secrets are not echoed."""
import os
import pty
import select
import sys
import time

transcript, answers = sys.argv[1], [a for a in sys.argv[2].split(",") if a]
command = sys.argv[sys.argv.index("--") + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

out = b""
def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 4096)
    except OSError:
        return False
    if not data:
        return False
    out += data
    return True

alive = True
for answer in answers:
    seen = out.count(b": ")
    deadline = time.time() + 20
    while alive and out.count(b": ") <= seen and time.time() < deadline:
        alive = pump(0.2)
    time.sleep(0.1)  # let the program switch echo off before typing
    os.write(fd, answer.encode() + b"\n")
while alive:
    alive = pump(1.0)
_, status = os.waitpid(pid, 0)
open(transcript, "wb").write(out)
sys.exit(os.waitstatus_to_exitcode(status))
