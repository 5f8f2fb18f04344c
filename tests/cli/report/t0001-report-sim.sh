#!/bin/bash
# fwup-sim records a SUIT report for every update attempt: success,
# rollback (refused before any write), wrong class (a failed condition in
# the shared sequence), a failing image-match after the write (forged
# payload), a bad signature; `fwup-sim report` exports them, `fwup-sim
# status` shows the last outcome, `fwup report show / summary` decode them.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
. "$(dirname "$0")/lib-report.sh"
export FWUP_SIM_CLOCK=1700000000
AB="-k $KEYS/key-a-priv.pem -k $KEYS/key-b-priv.pem"

new_device "$T/d" --device "$DEVICE"
expect_exit 1 "$FWUP_SIM" report "$T/d"
expect_err 'no report yet'

# 1. success
expect_exit 0 "$FWUP_SIM" install "$T/d" "$T/v2.suit" --payloads "$P" --json
jq_is '.report' 1
expect_exit 0 "$FWUP_SIM" boot "$T/d"
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r1.cbor"
expect_exit 0 "$FWUP" report show --json "$T/r1.cbor"
json_valid report-show.schema.json
jq_is '.report.outcome' '"success"'
jq_is '.report.result' null
jq_is '[.report.fwup.sequence, .report.fwup.installed, .report.fwup.number, .report.fwup.time]' '[2,2,1,1700000000]'
jq_is '.report.fwup.device_id' "\"$DEVICE\""
jq_is '.report.fwup.class_id' "\"$CLASS\""
# mkenv.py uses reporting policy 15 for the vendor / class / image checks
# (recorded on success) and 2 for fetch (failure only): shared-sequence
# vendor + class before install, image-match in install and validate. The
# shared sequence is replayable and install writes none of its parameters,
# so it is not run again before validate (docs/processor.md).
jq_is '[.report.records[] | .command_name]' '["condition-vendor-identifier","condition-class-identifier","condition-image-match","condition-image-match"]'
jq_is '[.report.records[] | .section_name] | unique' '["install","shared-sequence","validate"]'
jq_is '[.report.records[] | .result] | unique' '["FWUP_OK"]'
# the digest is the envelope's wrapper[0] digest (what `fwup show` prints)
want=$("$FWUP" show --json "$T/v2.suit" | jq -r '.["authentication-wrapper"].digest.hex // empty')
if [ -n "$want" ]; then jq_is '.report.reference.digest.hex' "\"$want\""; fi
expect_exit 0 "$FWUP" report show "$T/r1.cbor"
expect_out '^outcome +success$'
expect_out 'shared-sequence \+[0-9]+ condition-class-identifier, component 0: FWUP_OK'

# 2. rollback: refused before any flash write, still reported
cp "$T/d/flash.bin" "$T/before.bin"
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/v1.suit" --payloads "$P" --json
jq_is '[.report, .flash.operations]' '[2,0]'
expect_same "$T/d/flash.bin" "$T/before.bin"
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r2.cbor"
expect_exit 0 "$FWUP" report show --json "$T/r2.cbor"
json_valid report-show.schema.json
jq_is '[.report.outcome, .report.result.name, .report.result.reason_name]' '["failure","FWUP_E_ROLLBACK","condition-failed"]'
jq_is '[.report.result.record.section, .report.result.record.command]' '[0,null]'
jq_is '[.report.fwup.sequence, .report.fwup.installed, (.report.records | length)]' '[1,2,0]'
expect_exit 0 "$FWUP_SIM" status "$T/d"
expect_out 'last update +report 2: failed, condition-failed \(FWUP_E_ROLLBACK\)'

# 3. wrong class: the class condition of the shared sequence fails
python3 "$SIMTESTS/mkenv.py" -o "$T/wc.suit" --seq 5 --payload "$P/fw2.bin" --vendor "$VENDOR" \
    --class "$(uuid5 "$VENDOR" other-board)" $AB || fail "mkenv wrong class"
cp "$T/d/flash.bin" "$T/before.bin"
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/wc.suit" --payloads "$P" --json
jq_is '[.report, .flash.operations]' '[3,0]'
expect_same "$T/d/flash.bin" "$T/before.bin"
expect_exit 0 "$FWUP_SIM" status "$T/d" --json
jq_is '.last_report | [.number, .ok, .reason, .result, .sequence, .command, .reports_kept]' '[3,false,"condition-failed","FWUP_E_CONDITION_FAILED",5,2,3]'
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r3.cbor"
expect_exit 0 "$FWUP" report show "$T/r3.cbor"
expect_out '^reason +condition-failed \(10\)$'
expect_out '^failed at +shared-sequence \+[0-9]+ condition-class-identifier, component 0: FWUP_E_CONDITION_FAILED$'
expect_out '^records +2$'

# 4. failing condition after the write: a forged payload, caught by image-match
cp "$P/fw2.bin" "$T/fw2.orig"
mkenv "$T/v6.suit" 6 fw2.bin
printf 'X' | dd of="$P/fw2.bin" bs=1 seek=7 conv=notrunc 2>/dev/null
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/v6.suit" --payloads "$P" --json
cp "$T/fw2.orig" "$P/fw2.bin"
jq_is '.report' 4
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r4.cbor"
expect_exit 0 "$FWUP" report show --json "$T/r4.cbor"
jq_is '[.report.result.name, .report.result.record.section_name, .report.result.record.command_name]' '["FWUP_E_CONDITION_FAILED","install","condition-image-match"]'
# the slot was emptied before the write: the device still runs 2
jq_is '.report.fwup.installed' 2

# 5. bad signature: no manifest is trusted, the digest is still reported
python3 "$SIMTESTS/mkenv.py" -o "$T/one.suit" --seq 7 --payload "$P/fw2.bin" --vendor "$VENDOR" \
    --class "$CLASS" -k "$KEYS/key-a-priv.pem" || fail "mkenv author only"
expect_exit 1 "$FWUP_SIM" install "$T/d" "$T/one.suit" --payloads "$P"
expect_exit 0 "$FWUP_SIM" report "$T/d" -o "$T/r5.cbor"
expect_exit 0 "$FWUP" report show --json "$T/r5.cbor"
jq_is '[.report.result.reason_name, .report.fwup.sequence, .report.reference.uri, (.report.reference.digest.hex | length)]' '["unauthorised",null,"",64]'

# 6. export all, summary of the one device: its newest report counts
expect_exit 0 "$FWUP_SIM" report "$T/d" --all
checks=$((checks + 1))
[ "$(ls "$T/d/reports" | wc -l)" = 5 ] || fail "expected 5 exported reports"
expect_exit 0 "$FWUP" report summary --json "$T/d"
json_valid report-summary.schema.json
jq_is '[.devices, .reports, .outcome.success, .outcome.failure]' '[1,5,0,1]'
jq_is '.reasons' '{"unauthorised":1}'
jq_is '.table[0] | [.device, .number, .reports]' "[\"$DEVICE\",5,5]"
# a folder of report files without the device dir: same device by its id
mkdir "$T/loose"; cp "$T"/r[1-3].cbor "$T/loose/"
expect_exit 0 "$FWUP" report summary --json "$T/loose"
jq_is '[.devices, .reports, .table[0].number, .commands]' '[1,3,3,{"condition-class-identifier":1}]'
done_testing
