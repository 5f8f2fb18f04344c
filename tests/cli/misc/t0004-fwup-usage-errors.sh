#!/bin/bash
# Usage errors of the top level: exit 2, one line of reason and
# "try 'fwup --help'" on stderr, nothing on stdout (STYLE.md §6, curl helpf).
. "$(dirname "$0")/../lib.sh"

usage_error() { # REASON-REGEX ARGS...
    reason=$1; shift
    if expect_exit 2 "$FWUP" "$@"; then
        expect_err "^fwup: error: $reason"
        expect_err "^try 'fwup --help'$"
        checks=$((checks + 1))
        [ -s "$T/out" ] && fail "'fwup $*' wrote to stdout on a usage error"
    fi
}

usage_error "unknown command 'frobnicate'" frobnicate
usage_error "unknown command 'frobnicate'" -v frobnicate --help
usage_error "unknown option '--frobnicate'" --frobnicate
usage_error "unknown option '-x'" -x verify
usage_error "unknown command 'nosuch'" help nosuch
usage_error "no command given" 
usage_error "no command given" -q

# The reason is one line: no help text dumped on stderr.
expect_exit 2 "$FWUP"
checks=$((checks + 1))
[ "$(wc -l <"$T/err")" -eq 2 ] || fail "usage error printed $(wc -l <"$T/err") lines on stderr, expected 2"

done_testing
