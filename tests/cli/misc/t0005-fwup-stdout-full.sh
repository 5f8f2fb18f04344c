#!/bin/bash
# A failure to write stdout is an I/O error, exit 4, never a silent success
# (git run_builtin; STYLE.md §6). /dev/full fails every write with ENOSPC.
. "$(dirname "$0")/../lib.sh"

[ -w /dev/full ] || { echo "no /dev/full on this system"; exit 77; }

full() { # ARGS... : run fwup with stdout on /dev/full, require exit 4
    checks=$((checks + 1))
    "$FWUP" "$@" >/dev/full 2>"$T/err"
    got=$?
    if [ "$got" != 4 ]; then
        fail "'fwup $*' >/dev/full: expected exit 4, got $got"
        return
    fi
    expect_err '^fwup: error: cannot write to stdout: .*\[FWUP_E_IO_WRITE\]'
}

full --help
full help
full --version

# Every command's help goes through the same check.
"$FWUP" --help >"$T/overview" 2>/dev/null
for cmd in $(sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' "$T/overview"); do
    full help "$cmd"
done

done_testing
