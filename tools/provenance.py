#!/usr/bin/python3
"""provenance.py -- where a result comes from: commit, dirty or not, date,
command, machine.

usage: provenance.py [--command "make run ..."]   prints the JSON object

Every writer of a file the report reads stamps it with this (tools/run.sh
writes reports/provenance.json, tools/coverage.sh puts it in coverage.json,
tools/bench.sh in bench.json), and the report shows it on every page and
compares the commits: a figure from another commit than the run's is said
to be one. Outside a git checkout the commit is null.
"""

import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys


def _git(*args):
    try:
        out = subprocess.run(["git"] + list(args), capture_output=True, text=True, timeout=10,
                             cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _cpu():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance(command=None):
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {
        "commit": commit,
        "commit_short": commit[:12] if commit else None,
        "branch": _git("rev-parse", "--abbrev-ref", "HEAD") if commit else None,
        "dirty": bool(status) if status is not None else None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command if command is not None else " ".join(sys.argv),
        "machine": "%s (%s, %d CPUs, %s %s)" % (socket.gethostname(), _cpu(), os.cpu_count() or 0,
                                                platform.system(), platform.release()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--command", help="the command that made the results")
    a = ap.parse_args()
    json.dump(provenance(a.command), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
