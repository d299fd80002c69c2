#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal for the integration tests
(test/integration/pty.ts drives it): the terminal a user would type into.

    pty-driver.py ROWS COLS -- COMMAND [ARG...]

The command gets the pty's slave as its stdin, stdout, stderr and
controlling terminal, in a session of its own, with the window size given.
The driver keeps a slave fd of its own, so the terminal's settings can be
read after the command exits (was it restored?).

Requests, one JSON object per line on stdin:
    {"op": "write", "data": BASE64}       type bytes
    {"op": "resize", "rows": N, "cols": N} change the window size (SIGWINCH)
    {"op": "termios"}                      report the terminal's settings
    {"op": "kill", "signal": N}            signal the command
Events, one JSON object per line on stdout:
    {"ev": "started", "pid": N, "tty": PATH, "termios": {...}}  (the settings before the command ran)
    {"ev": "out", "data": BASE64}          what the command wrote
    {"ev": "termios", "iflag": N, "oflag": N, "lflag": N, "raw": BOOL, "attrs": [...]}
    {"ev": "exit", "code": N or null, "signal": N or null}   then the driver exits
"""
import base64
import fcntl
import json
import os
import select
import signal
import struct
import sys
import termios


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def termios_event(fd):
    attrs = termios.tcgetattr(fd)
    raw = not (attrs[3] & termios.ICANON) and not (attrs[3] & termios.ECHO) and not (attrs[3] & termios.ISIG)
    return {"ev": "termios", "iflag": attrs[0], "oflag": attrs[1], "lflag": attrs[3], "raw": raw,
            "attrs": [attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5], [c if isinstance(c, int) else ord(c) for c in attrs[6]]]}


def main():
    rows, cols = int(sys.argv[1]), int(sys.argv[2])
    argv = sys.argv[4:]
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    initial = termios_event(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.closerange(3, 1024)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    emit({"ev": "started", "pid": pid, "tty": os.ttyname(slave), "termios": initial})
    stdin = sys.stdin.fileno()
    buf = b""
    status = None
    while True:
        if status is None:
            wpid, st = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                status = st
        ready, _, _ = select.select([master] + ([stdin] if stdin >= 0 else []), [], [], 0.02)
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                emit({"ev": "out", "data": base64.b64encode(data).decode()})
                continue
        if status is not None and master not in ready:
            break
        if stdin >= 0 and stdin in ready:
            chunk = os.read(stdin, 65536)
            if not chunk:
                os.kill(pid, signal.SIGHUP)
                stdin = -1
                continue
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                req = json.loads(line)
                if req["op"] == "write":
                    os.write(master, base64.b64decode(req["data"]))
                elif req["op"] == "resize":
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", req["rows"], req["cols"], 0, 0))
                elif req["op"] == "termios":
                    emit(termios_event(slave))
                elif req["op"] == "kill":
                    os.kill(pid, req["signal"])
    emit(termios_event(slave))
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    emit({"ev": "exit", "code": code, "signal": sig})


if __name__ == "__main__":
    main()
