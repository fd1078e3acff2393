#!/usr/bin/python3
"""Runs a command and makes sure it does not outlive the test harness that started us.

Usage: watchdog.py COMMAND [ARGS...]

For programs that change their user id (opentracker drops root privileges), which clears a
parent-death signal set with setpriv. The command runs in our process group; SIGHUP, SIGINT
and SIGTERM are passed on to it; when our parent (the Node test process) goes away, the whole
group is killed. Exits with the command's status.
"""

import os
import signal
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: watchdog.py COMMAND [ARGS...]\n")
        return 2
    parent = os.getppid()
    child = subprocess.Popen(sys.argv[1:])

    def forward(sig, _frame):
        try:
            child.send_signal(sig)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    while True:
        try:
            rc = child.wait(timeout=0.2)
            return rc if rc >= 0 else 128 - rc
        except subprocess.TimeoutExpired:
            pass
        if os.getppid() != parent:
            os.killpg(0, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
