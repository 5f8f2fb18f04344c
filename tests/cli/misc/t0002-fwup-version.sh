#!/bin/bash
# fwup --version: one line on stdout, exit 0, names the SUIT draft it implements.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "$FWUP" --version && {
    expect_out '^fwup [0-9]+\.[0-9]+\.[0-9]+ \(SUIT draft-ietf-suit-manifest-37\)$'
    checks=$((checks + 1))
    [ "$(wc -l <"$T/out")" -eq 1 ] || fail "--version printed $(wc -l <"$T/out") lines, expected 1"
    checks=$((checks + 1))
    [ -s "$T/err" ] && fail "--version wrote to stderr"
}

done_testing
