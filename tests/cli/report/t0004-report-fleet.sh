#!/bin/bash
# The fleet demonstration (docs/fleet-demo.sh) runs end to end and its
# summary has the exact counts: 12 devices, 8 updated to sequence 3, three
# of the other class refused (class condition), the pilot refused (rollback).
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
. "$(dirname "$0")/lib-report.sh"
for k in demo-author demo-operator; do
    [ -f "$SRCDIR/keys/$k.pem" ] || { echo "SKIP: keys/$k.pem missing"; exit 77; }
done
"$FWUP" create "$SRCDIR/device-sim/example/release.json" -o "$T/probe.suit" >/dev/null 2>&1 ||
    { echo "SKIP: fwup create does not build the example"; exit 77; }
expect_exit 0 bash "$SRCDIR/docs/fleet-demo.sh" "$T/fleet"
expect_out '^fleet: 12 devices, [0-9]+ reports'
expect_out '^\$ fwup report summary'
D=$T/fleet/devices
expect_exit 0 "$FWUP" report summary --json "$D"/*
json_valid report-summary.schema.json
jq_is '[.devices, .outcome.success, .outcome.failure]' '[12,8,4]'
jq_is '.installed' '{"2":3,"3":8,"4":1}'
jq_is '.reasons' '{"condition-failed":4}'
jq_is '.commands' '{"condition-class-identifier":3,"none":1}'
jq_is '.results' '{"FWUP_E_CONDITION_FAILED":3,"FWUP_E_ROLLBACK":1}'
jq_is '[.table[] | select(.outcome == "failure") | .device]' '["00000000-0000-4000-8000-000000000009","00000000-0000-4000-8000-000000000021","00000000-0000-4000-8000-000000000022","00000000-0000-4000-8000-000000000023"]'
# every device holds two reports (baseline, rollout); the newest counts
jq_is '[.reports, ([.table[].reports] | unique)]' '[24,[2]]'
# the rollout's reference-uri is in the reports of the devices that ran it
expect_exit 0 "$FWUP" report show --json "$D/sb1-08/reports/report-00000002.cbor"
jq_is '[.report.outcome, .report.reference.uri, .report.fwup.installed]' '["success","https://updates.fwup.example/sim-board-1/3.suit",3]'
done_testing
