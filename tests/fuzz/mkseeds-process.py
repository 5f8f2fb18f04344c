#!/usr/bin/env python3
"""Hand-made seeds of tests/fuzz/corpus/process/ (fuzz_process.c).

The draft's examples reach few commands; these envelopes use every command
and parameter the processor implements, so that libFuzzer starts from
manifests that run far. They are sealed for the permissive port
(tests/fuzz/permissive.h): a COSE_Sign1 with a zero signature, and a wrapper
digest the port "computes" whatever it hashes. No real key verifies them.

    tests/fuzz/mkseeds-process.py tests/fuzz/corpus/process

writes edge-<name>.suit for each seed below (deterministic output).
"""
import struct
import sys
from pathlib import Path


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


def enc(x):
    if x is None:
        return b"\xf6"
    if x is True:
        return b"\xf5"
    if x is False:
        return b"\xf4"
    if isinstance(x, int):
        return head(0, x) if x >= 0 else head(1, -1 - x)
    if isinstance(x, bytes):
        return head(2, len(x)) + x
    if isinstance(x, str):
        b = x.encode()
        return head(3, len(b)) + b
    if isinstance(x, list):
        return head(4, len(x)) + b"".join(enc(i) for i in x)
    if isinstance(x, dict):  # keys in the given order (tests pick canonical order)
        return head(5, len(x)) + b"".join(enc(k) + enc(v) for k, v in x.items())
    if isinstance(x, Tag):
        return head(6, x.tag) + enc(x.value)
    raise TypeError(x)


def seq(*cmds):
    """A command sequence as a bstr: cmds are (command, argument) pairs."""
    return enc([i for c in cmds for i in c])


VENDOR = bytes.fromhex("fa6b4a53d5ad5fdfbe9de663e4d41ffe")
CLASS = bytes.fromhex("1492af1425695e48bf429b2d51f2ab45")
# The permissive port "computes" the wrapper's digest (zeros, below) for
# whatever it hashes: an image-digest of zeros makes image-match pass, so
# the seeds run past it.
DIGEST = enc([-16, bytes(32)])
IDENT = [(1, 15), (2, 15)]  # vendor? class?


def shared(params, *extra, index=None):
    cmds = [] if index is None else [(12, index)]
    p = {1: VENDOR, 2: CLASS}
    p.update(params)
    return seq(*cmds, (20, p), *IDENT, *extra)


def envelope(manifest, payloads=()):
    wrapper_digest = [-16, bytes(32)]
    sign1 = Tag(18, [enc({1: -7}), {}, None, bytes(64)])
    auth = enc([enc(wrapper_digest), enc(sign1)])
    env = {2: auth, 3: enc(manifest)}
    for name, data in payloads:
        env[name] = data
    return enc(Tag(107, env))


def manifest(components, shared_seq, seqs, deps=None):
    common = {}
    if deps is not None:
        common[1] = deps
    common[2] = [[bytes([i])] for i in range(components)]
    common[4] = shared_seq
    m = {1: 1, 2: 3, 3: enc(common)}
    for key in sorted(seqs):
        m[key] = seqs[key]
    return m


SEEDS = {
    # one component: fetch, image-match, try-each with a nil branch, invoke
    "fetch-try-each": (manifest(1, shared({3: DIGEST, 14: 64}), {
        20: seq((20, {21: "http://example.com/a", 25: b"\xa0"}), (21, 2), (3, 15)),
        7: seq((15, [seq((3, 15)), None])),
        9: seq((20, {23: b"\x01\x02"}), (23, 2)),
    }), ()),
    # integrated payload written, copied, swapped, checked by content
    "write-copy-swap": (manifest(2, shared({}, index=True), {
        20: seq((12, 0), (20, {18: b"hello"}), (18, 15),
                (12, 1), (20, {18: b"hello", 22: 0}), (22, 15), (6, 15),
                (12, [0, 1]), (20, {3: DIGEST, 14: 5}), (15, [seq((3, 15)), None]),
                (12, 0), (20, {22: 1}), (31, 15)),
        7: seq((12, 1), (6, 15)),
        9: seq((12, 0), (23, 2)),
    }), ()),
    # integrated payload by URI, component-slot, use-before, strict-order
    "integrated-slot-use-before": (manifest(1, shared({3: DIGEST, 5: 1, 4: 1800000000}, (5, 15), (4, 15)), {
        20: seq((20, {21: "#img", 12: True, 14: 5}), (21, 2), (3, 15)),
        9: seq((23, 2)),
    }), (("#img", b"hello"),)),
    # run-sequence with soft-failure, abort, set-parameters, device-id
    "run-sequence-soft": (manifest(1, shared({3: DIGEST, 14: 64, 24: bytes(range(1, 17))}, (24, 15)), {
        16: seq((32, seq((20, {13: True}), (14, 0))), (19, {21: "http://example.com/b"}), (21, 2)),
        20: seq((32, seq((20, {13: False}), (12, 0)))),
        7: seq((15, [seq((20, {13: True}), (14, 0)), seq((3, 15))])),
    }), ()),
    # a shared sequence with a try-each (not replayable) and three components
    "shared-try-each": (manifest(3, seq((12, True), (20, {1: VENDOR, 2: CLASS, 3: DIGEST}), *IDENT,
                                        (15, [seq((24, 15)), None])), {
        20: seq((12, 2), (20, {21: "http://example.com/c", 14: 16, 19: b"\xa0"}), (21, 2)),
        7: seq((12, True), (3, 15)),
        8: seq((12, 1), (20, {22: 2}), (22, 2)),
        9: seq((12, 1), (23, 2)),
    }), ()),
    # a dependency integrated as "#d" (index 1, beyond the components)
    "dependency": (manifest(1, shared({}, index=0), {
        15: seq((12, 1), (20, {3: DIGEST, 21: "#d"}), (21, 15), (7, 15), (11, 15)),
        20: seq((12, 1), (7, 15), (11, 15), (12, 0), (20, {18: b"x"}), (18, 15)),
    }, deps={1: {1: [b"d"]}}), (("#d", envelope(manifest(1, shared({}), {
        20: seq((19, {18: b"dep"}), (18, 15)),
    }))),)),
    # refused by the dry run: a custom command after a side effect
    "unsupported-command": (manifest(1, shared({}), {
        20: seq((20, {21: "http://example.com/d"}), (21, 2), (-257, 0)),
    }), ()),
}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/process")
    out.mkdir(parents=True, exist_ok=True)
    for name, (m, payloads) in SEEDS.items():
        (out / f"edge-{name}.suit").write_bytes(envelope(m, payloads))


if __name__ == "__main__":
    main()
