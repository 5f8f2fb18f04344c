#!/bin/bash
# fwup report on bad input: every truncation of a real report, a hostile
# one, a missing file, usage errors; exact exit classes, clear messages.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
. "$(dirname "$0")/lib-report.sh"

new_device "$T/d" --device "$DEVICE"
sim install "$T/d" "$T/v2.suit" --payloads "$P" || fail "install"
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r.cbor"
len=$(stat -c %s "$T/r.cbor")
bad=0
for n in $(seq 0 $((len - 1))); do
    head -c "$n" "$T/r.cbor" >"$T/t.cbor"
    "$FWUP" report show "$T/t.cbor" >/dev/null 2>"$T/err"
    rc=$?
    [ "$rc" = 3 ] || { bad=$((bad + 1)); echo "truncation $n: exit $rc" >&2; }
done
checks=$((checks + 1))
[ "$bad" = 0 ] || fail "$bad truncations not refused with exit 3"
head -c 20 "$T/r.cbor" >"$T/t.cbor"
expect_exit 3 "$FWUP" report show "$T/t.cbor"
expect_err "^fwup: error: '.*t.cbor':[0-9]+: .*\[FWUP_E_CBOR_TRUNCATED\]$"
expect_exit 3 "$FWUP" report show --json "$T/t.cbor"
json_valid report-show.schema.json
jq_is '[.ok, .error.name]' '[false,"FWUP_E_CBOR_TRUNCATED"]'
# hostile: a record count of 2^32 in 20 bytes
printf '\xa3\x03\x9a\xff\xff\xff\xff\x04\xf5\x18\x63\x82\x60\x82\x2f\x40' >"$T/h.cbor"
expect_exit 3 "$FWUP" report show "$T/h.cbor"
expect_err 'FWUP_E_CBOR_TRUNCATED|FWUP_E_LIMIT_COUNT'
# an envelope is not a report
expect_exit 3 "$FWUP" report show "$T/v2.suit"
# a summary with one bad file fails as a whole and names the file
mkdir "$T/fleet"; cp "$T/r.cbor" "$T/fleet/a.cbor"; cp "$T/t.cbor" "$T/fleet/b.cbor"
expect_exit 3 "$FWUP" report summary "$T/fleet"
expect_err "'.*fleet/b.cbor'"
expect_exit 3 "$FWUP" report summary --json "$T/fleet"
json_valid report-summary.schema.json
expect_exit 4 "$FWUP" report show "$T/missing.cbor"
expect_exit 2 "$FWUP" report
expect_exit 2 "$FWUP" report frobnicate
expect_exit 2 "$FWUP" report show
expect_exit 2 "$FWUP" report summary
expect_exit 0 "$FWUP" report --help
expect_out '^usage: fwup report show'
expect_exit 2 "$FWUP_SIM" report
expect_exit 0 "$FWUP_SIM" report --help
done_testing
