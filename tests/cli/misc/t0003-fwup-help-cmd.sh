#!/bin/bash
# For every command in fwup's table: `fwup help CMD`, `fwup CMD --help` and
# `fwup CMD -h` print the same usage text on stdout and exit 0 (STYLE.md §6).
# The command list is read from `fwup --help`, so a new command is covered
# without editing this test.
. "$(dirname "$0")/../lib.sh"

"$FWUP" --help >"$T/overview" 2>/dev/null
cmds=$(sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' "$T/overview")
checks=$((checks + 1))
[ -n "$cmds" ] || fail "could not read the command list from 'fwup --help'"

for cmd in $cmds; do
    if expect_exit 0 "$FWUP" help "$cmd"; then
        cp "$T/out" "$T/help-$cmd"
        checks=$((checks + 1))
        grep -qi "usage: *fwup $cmd" "$T/out" || fail "'fwup help $cmd' has no 'usage: fwup $cmd' line"
        checks=$((checks + 1))
        [ -s "$T/err" ] && fail "'fwup help $cmd' wrote to stderr: $(head -1 "$T/err")"
        expect_exit 0 "$FWUP" "$cmd" --help && expect_same "$T/out" "$T/help-$cmd"
        expect_exit 0 "$FWUP" "$cmd" -h && expect_same "$T/out" "$T/help-$cmd"
    fi
done

done_testing
