# Shared helpers for CLI tests (git t/test-lib.sh style). Source it:
#   . "$(dirname "$0")/../lib.sh"
# Environment from meson: FWUP (the binary), FWUP_SIM (device simulator, once
# built), VECTORS (tests/vectors), SRCDIR (project root).
# Each test gets a private scratch dir $T, removed on exit.
set -u
: "${FWUP:?run through meson test}"
: "${VECTORS:?}"
: "${SRCDIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/fwup-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# expect_exit CODE CMD... : run CMD, stdout -> $T/out, stderr -> $T/err, and
# require exactly exit CODE (never piped: the status is fwup's own).
expect_exit() {
    want=$1; shift
    checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" != "$want" ]; then
        fail "expected exit $want, got $got: $*"
        sed 's/^/    stderr: /' "$T/err" | head -5 >&2
        return 1
    fi
    return 0
}

# expect_err PATTERN : the last command's stderr matches the extended regex.
expect_err() {
    checks=$((checks + 1))
    grep -Eq -- "$1" "$T/err" || { fail "stderr does not match /$1/:"; sed 's/^/    /' "$T/err" | head -5 >&2; }
}

# expect_out PATTERN : the last command's stdout matches the extended regex.
expect_out() {
    checks=$((checks + 1))
    grep -Eq -- "$1" "$T/out" || { fail "stdout does not match /$1/:"; sed 's/^/    /' "$T/out" | head -10 >&2; }
}

# expect_no_file PATH : a failed command left nothing behind.
expect_no_file() {
    checks=$((checks + 1))
    [ ! -e "$1" ] || fail "file '$1' exists but should not"
    # no stray temporaries either
    ls "$(dirname "$1")" | grep -q '\.tmp-' && fail "temporary file left in $(dirname "$1")"
    return 0
}

# expect_same FILE1 FILE2 : byte-identical.
expect_same() {
    checks=$((checks + 1))
    cmp -s "$1" "$2" || fail "'$1' and '$2' differ"
}

# done_testing : print the plain closing line and exit non-zero on failure.
done_testing() {
    echo "$((checks - fails)) passed, $fails failed"
    [ "$fails" -eq 0 ]
}
