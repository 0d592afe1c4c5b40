#!/usr/bin/env python3
"""Calls per sign-in in a callgrind file written by bench/callgrind-serve.sh.

    python3 bench/callgrind-calls.py /tmp/ferrodoor.callgrind.<pid> [--per N] [--callers malloc]

Counts the `calls=` lines by callee (the whole server life), divides by the sign-ins of that
life (N; default: the calls of `aws_lc_0_47_0_RSA_sign` minus the one for the start-up
certificate, so pass --per for ES256 keys or a server started on an existing database), and prints the callees the benchmark notes follow. With --callers F it lists
who calls F instead, most calls first.
"""
import argparse
import collections
import re

WATCHED = ["malloc", "free", "realloc", "malloc_consolidate", "sqlite3MemMalloc"]
SIGN = "aws_lc_0_47_0_RSA_sign"
NAMED = re.compile(r"c?fn=\((\d+)\)(?: (.*))?")


def count(path):
    names, by_callee, by_pair = {}, collections.Counter(), collections.Counter()
    caller = callee = None
    with open(path, errors="replace") as lines:
        for line in lines:
            if line.startswith(("fn=", "cfn=")):
                m = NAMED.match(line.rstrip("\n"))
                if not m:
                    continue
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                name = names.get(m.group(1), "?")
                if line.startswith("fn="):
                    caller = name
                else:
                    callee = name
            elif line.startswith("calls=") and callee is not None:
                n = int(line[6:].split()[0])
                by_callee[callee] += n
                by_pair[(caller, callee)] += n
                callee = None
    return by_callee, by_pair


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--per", type=float, help="sign-ins in the server's life")
    p.add_argument("--callers", help="list the callers of this function")
    a = p.parse_args()
    by_callee, by_pair = count(a.file)
    per = a.per
    if per is None:
        # A server started on an empty database signs its TLS certificate once; a restart on
        # an existing one signs nothing but logins, and a file with no logins has no divisor.
        if by_callee[SIGN] < 2:
            raise SystemExit(f"{a.file}: {by_callee[SIGN]} RSA signatures; pass --per N")
        per = by_callee[SIGN] - 1
    print(f"{a.file}: per {per:.0f} sign-ins")
    if a.callers:
        callers = collections.Counter()
        for (caller, callee), n in by_pair.items():
            if callee == a.callers:
                callers[caller] += n
        for caller, n in callers.most_common(25):
            print(f"{n / per:8.1f}  {caller[:140]}")
        return
    for name in WATCHED:
        print(f"{by_callee[name] / per:8.1f}  {name}")
    boxed = sum(n for name, n in by_callee.items() if "clone_box" in name)
    print(f"{boxed / per:8.1f}  boxed-service clones (clone_box)")


if __name__ == "__main__":
    main()
