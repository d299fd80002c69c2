# Drives a command through a real pty for the attach tests: the command runs
# on the pty's slave as its controlling terminal; the steps (JSON, argv[1])
# are ["expect", TEXT], ["send", TEXT], ["winsize", ROWS, COLS] (the kernel
# then sends SIGWINCH to the terminal's foreground process group). Prints
# {"output", "status", "timedOut"} as JSON once the command exited. Every
# wait is bounded.
import json
import os
import pty
import select
import struct
import sys
import termios
import fcntl
import time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
out = b''
timed_out = None


def read_some(timeout):
    global out
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    out += data
    return True


for step in steps:
    if step[0] == 'expect':
        want = step[1].encode()
        deadline = time.monotonic() + 30
        while want not in out and time.monotonic() < deadline:
            if not read_some(0.2):
                break
        if want not in out:
            timed_out = step[1]
            break
    elif step[0] == 'send':
        os.write(fd, step[1].encode())
    elif step[0] == 'winsize':
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', step[1], step[2], 0, 0))

if timed_out is not None:
    os.kill(pid, 9)
status = None
deadline = time.monotonic() + 30
while status is None and time.monotonic() < deadline:
    alive = read_some(0.2)
    done, st = os.waitpid(pid, os.WNOHANG)
    if done == pid:
        status = st
    elif not alive:
        time.sleep(0.05)
while read_some(0.05):
    pass
if status is None:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
print(json.dumps({'output': out.decode('utf8', 'replace'), 'status': os.waitstatus_to_exitcode(status), 'timedOut': timed_out}))
