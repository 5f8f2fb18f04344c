#!/bin/sh
# tests/lint/selftest.sh: prove that check-banned.sh finds what it claims to.
# Runs it over tests/lint/fixtures (a fake tree of deliberate offences, with
# look-alikes in comments and strings that must NOT be reported) and requires
# exit 1 and exactly the report in tests/lint/fixtures.expected.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$here/check-banned.sh" "$here/fixtures" >"$out" 2>&1
rc=$?
if [ "$rc" -ne 1 ]; then
    echo "FAIL: check-banned.sh exited $rc on the fixtures, expected 1"
    cat "$out"
    exit 1
fi
if ! diff -u "$here/fixtures.expected" "$out"; then
    echo "FAIL: check-banned.sh report differs from fixtures.expected (above)"
    exit 1
fi
echo "check-banned self-test: $(grep -cE '^[^ ]+:[0-9]+: ' "$here/fixtures.expected") expected findings reported"
