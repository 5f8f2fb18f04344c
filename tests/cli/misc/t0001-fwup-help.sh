#!/bin/bash
# fwup --help / -h / help: the overview on stdout, exit 0, nothing on stderr
# (STYLE.md §6: help is a result, not a diagnostic).
. "$(dirname "$0")/../lib.sh"

for form in "--help" "-h" "help"; do
    expect_exit 0 "$FWUP" $form && {
        expect_out '^usage: fwup '
        expect_out '^commands:'
        checks=$((checks + 1))
        [ -s "$T/err" ] && fail "fwup $form wrote to stderr: $(head -1 "$T/err")"
    }
done

# Every command of DESIGN.md §3 is listed, with its one-line summary.
expect_exit 0 "$FWUP" --help
for cmd in create sign verify show keygen pubkey sever; do
    expect_out "^  $cmd +[a-z]"
done
# The overview points at the exit-code table.
expect_out 'exit status: 0 ok, 1 verification said no, 2 usage, 3 malformed input'

# Global flags before the help flag are accepted.
expect_exit 0 "$FWUP" -q --help && expect_out '^usage: fwup '

done_testing
