#!/bin/sh
# tests/with-hsm.sh [-x EXTRA] SETUP CMD... : run CMD against a fresh,
# throw-away SoftHSM2 token.
#
# SETUP is keys/hsm-setup.sh: it makes the token in a new `mktemp -d` dir
# (its own SOFTHSM2_CONF, exported before CMD starts, so before any
# C_Initialize). EXTRA, if given, runs next with the same environment and
# the dir as its argument, to add test-only objects (tests/p11/fixtures.sh).
# The dir is removed when CMD ends, whatever its status; CMD's status is ours.
set -eu
extra=
if [ "${1:-}" = -x ]; then extra=$2; shift 2; fi
setup=$1; shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/fwup-hsm.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
exports=$("$setup" "$dir" 2>"$dir/setup.log") || { cat "$dir/setup.log" >&2; exit 1; }
eval "$exports"
if [ -n "$extra" ]; then
    "$extra" "$dir" >>"$dir/setup.log" 2>&1 || { cat "$dir/setup.log" >&2; exit 1; }
fi
set +e
"$@"
rc=$?
exit $rc
