#!/usr/bin/env python3
"""Worst-case stack per function from GCC -fcallgraph-info=su (.ci) files.

    scripts/stack-depth.py [--roots f1,f2,...] FILE.ci...

For each function: its own frame (from -fstack-usage, in the .ci labels) plus
the deepest chain of calls below it. Prints "worst  function  (own N, kind)
notes", deepest first; with --roots only those functions (the public entry
points) and in the given order.

What the number does not include, and how each is flagged:
  * calls through a function pointer (the verifier's crypto port, a read
    callback): GCC records them as `__indirect_call`; the note says
    "+ indirect calls" and the callee's own frame must be added by hand;
  * calls into functions without a .ci (memcpy & co from libc): counted as 0,
    noted as "+ extern: name";
  * a frame of dynamic size (a VLA or alloca; "dynamic" in the label):
    noted as "DYNAMIC" and counts as a failure;
  * recursion: the depth is unbounded, printed as "inf" and counts as a
    failure.
Exit status: 0, or 1 if a reported function has unbounded (recursive) or
dynamic stack use, 2 on bad input.

Static functions of different files may share a name: a call is resolved to
the function of the same file first (as the compiler did), then globally.
Adapted from the PoC's cortexm/stack-depth.py.
"""
import argparse
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"\\]*)\\n([^"\\]*)\\n(\d+) bytes \(([\w,]+)\)')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
INDIRECT = "__indirect_call"

ap = argparse.ArgumentParser(description="worst-case stack per function from .ci files")
ap.add_argument("--roots", help="comma-separated functions to report (default: all)")
ap.add_argument("files", nargs="+")
a = ap.parse_args()

own = {}      # (file, name) -> (bytes, kind)
by_name = {}  # name -> [(file, name), ...]
calls = {}    # (file, name) -> set of target names
for f in a.files:
    try:
        text = open(f).read()
    except OSError as e:
        sys.exit(f"stack-depth: {e}")
    for m in NODE.finditer(text):
        key = (f, m[1])
        own[key] = (int(m[4]), m[5])
        by_name.setdefault(m[1], []).append(key)
    for m in EDGE.finditer(text):
        calls.setdefault((f, m[1]), set()).add(m[2])

if not own:
    print("stack-depth: no call graph nodes found (compiled with -fcallgraph-info=su?)",
          file=sys.stderr)
    sys.exit(2)


def resolve(src_file, name):
    if (src_file, name) in own:
        return (src_file, name)
    cands = by_name.get(name, [])
    return cands[0] if len(cands) == 1 else (cands[0] if cands else None)


memo = {}


def depth(key, path=()):
    """(worst bytes, indirect?, externs, dynamic?) below and including key."""
    if key in path:
        return (float("inf"), False, set(), False)
    if key in memo:
        return memo[key]
    base, kind = own[key]
    worst, indirect, ext, dyn = 0, False, set(), "dynamic" in kind
    for t in sorted(calls.get(key, ())):
        if t == INDIRECT:
            indirect = True
            continue
        tk = resolve(key[0], t)
        if tk is None:
            ext.add(t)
            continue
        d, i, e, dy = depth(tk, path + (key,))
        worst = max(worst, d)
        indirect |= i
        ext |= e
        dyn |= dy
    res = (base + worst, indirect, ext, dyn)
    memo[key] = res
    return res


if a.roots:
    keys = []
    for r in a.roots.split(","):
        k = resolve(None, r)
        if k is None:
            print(f"   n/a  {r}  (no call graph node: not compiled, or inlined everywhere)")
            continue
        keys.append(k)
else:
    keys = sorted(own, key=lambda k: depth(k)[0], reverse=True)

bad = False
for k in keys:
    d, ind, ext, dyn = depth(k)
    notes = []
    if ind:
        notes.append("+ indirect calls")
    if ext:
        notes.append("+ extern: " + " ".join(sorted(ext)))
    if dyn:
        notes.append("DYNAMIC frame (VLA/alloca) below")
    if d == float("inf"):
        notes.append("RECURSION: unbounded")
    if d == float("inf") or dyn:
        bad = True
    shown = "inf" if d == float("inf") else str(d)
    print(f"{shown:>6}  {k[1]}  (own {own[k][0]}, {own[k][1]})" + ("  " + "; ".join(notes) if notes else ""))
# Recursion or a dynamic frame anywhere fails the check, even in a function
# no listed root reaches (it may be reached through a pointer).
for k in sorted(own):
    d, _, _, dyn = depth(k)
    if k not in keys and (d == float("inf") or "dynamic" in own[k][1]):
        print(f"  also: {k[1]} ({k[0]}): " + ("RECURSION: unbounded" if d == float("inf") else "DYNAMIC frame"))
        bad = True
sys.exit(1 if bad else 0)
