#!/bin/bash
# fwup-sim command line: help, usage errors, init, status, a first install and
# boot, JSON outputs, error classes.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"

expect_exit 0 "$FWUP_SIM" --help && expect_out 'fwup-sim <command>'
expect_exit 0 "$FWUP_SIM" install --help && expect_out 'power-cut-after'
expect_exit 2 "$FWUP_SIM" && expect_err '^fwup-sim: error: no command'
expect_exit 2 "$FWUP_SIM" frobnicate && expect_err "unknown command 'frobnicate'"
expect_exit 2 "$FWUP_SIM" init "$T/x" --layout "$T/layout.json"
expect_exit 2 "$FWUP_SIM" boot "$T/x" --power-cut-after many
expect_exit 2 "$FWUP_SIM" init "$T/x" --layout "$T/layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com
expect_err 'a vendor and a class are required'
# A bad layout is refused with its JSON path, nothing created.
mkdir "$T/x"
sed 's/"write_size": 8/"write_size": 6/' "$T/layout.json" >"$T/bad-layout.json"
expect_exit 3 "$FWUP_SIM" init "$T/x" --layout "$T/bad-layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com --model sim-board
expect_err 'powers of two.*\(\$\.flash\) \[FWUP_E_DESC_VALUE\]'
expect_no_file "$T/x/flash.bin"
# Component identifiers: each element a string or {"hex": ...}, encoded as
# fwup create encodes them, at most 64 bytes in all.
# bad_component JQ-VALUE ERR-PATTERN: init with that layout component refused (exit 3)
bad_component() {
    jq --argjson c "$1" '.component = $c' "$T/layout.json" >"$T/bad-layout.json"
    expect_exit 3 "$FWUP_SIM" init "$T/x" --layout "$T/bad-layout.json" --policy "$T/policy.json" \
        --vendor-domain example.com --model sim-board
    expect_err "$2"
}
bad_component '[{"hex": "zz"}]' 'element 0: "hex" must be pairs of hex digits \(\$\.component\) \[FWUP_E_DESC_VALUE\]'
bad_component "[\"x\", \"$(printf 'a%.0s' $(seq 62))\"]" 'component identifier longer than 64 bytes \(\$\.component\)'
bad_component '[{"hex": "0"}]' 'element 0: "hex" must be pairs of hex digits'
bad_component '[{"hex": "00", "text": "x"}]' 'element 0: \{"hex": \.\.\.\} takes no other key \(\$\.component\)'
bad_component '["flash", 5]' 'element 1: an id element is a string or \{"hex": "\.\.\."\}'
expect_no_file "$T/x/flash.bin"
# The device loads policies with the same loader as `fwup verify --policy`
# (lib/policy): the same refusals, with the file and the JSON path, and the
# same exit status 3 (malformed input) as `fwup verify --policy`.
sed 's/"require": \["author", "operator"\]/"require": ["author", "release"]/' "$T/policy.json" >"$T/norole.json"
expect_exit 3 "$FWUP_SIM" init "$T/x" --layout "$T/layout.json" --policy "$T/norole.json" \
    --vendor-domain example.com --model sim-board
expect_err "norole.json': 'release' is not the role of any anchor \(\\\$\.require\[1\]\) \[FWUP_E_POLICY_INVALID\]"
echo '{"anchors": [' >"$T/broken.json"
expect_exit 3 "$FWUP_SIM" init "$T/x" --layout "$T/layout.json" --policy "$T/broken.json" \
    --vendor-domain example.com --model sim-board
expect_err "broken.json':2:[0-9]+: .*\[FWUP_E_POLICY_INVALID\]"
expect_no_file "$T/x/flash.bin"

new_device "$T/dev"
# Re-provisioning an existing device is refused (it would wipe it).
expect_exit 4 "$FWUP_SIM" init "$T/dev" --layout "$T/layout.json" --policy "$T/policy.json" \
    --vendor-domain example.com --model sim-board
expect_err 'FWUP_E_IO_EXISTS'

expect_exit 0 "$FWUP_SIM" status "$T/dev" --json
checks=$((checks + 1))
[ "$(jq -r '.identity.vendor_id' "$T/out")" = "$VENDOR" ] || fail "vendor id not UUID5(DNS, example.com)"
checks=$((checks + 1))
[ "$(jq -r '.identity.class_id' "$T/out")" = "$CLASS" ] || fail "class id not UUID5(vendor, model)"
checks=$((checks + 1))
[ "$(jq -r '[.slots[].state] | join(",")' "$T/out")" = "empty,empty" ] || fail "fresh slots not empty"
checks=$((checks + 1))
[ "$(jq -r '.flash.erases_per_partition.bootloader' "$T/out")" = 0 ] || fail "bootloader erased"

# Nothing to boot yet.
expect_exit 1 "$FWUP_SIM" boot "$T/dev" && expect_err 'FWUP_E_NO_BOOTABLE_IMAGE'

# Malformed envelope: exit 3, no flash operation.
head -c 50 "$T/v1.suit" >"$T/trunc.suit"
expect_exit 3 "$FWUP_SIM" install "$T/dev" "$T/trunc.suit" --payloads "$P" --json
checks=$((checks + 1))
[ "$(jq -r '.flash.operations' "$T/out")" = 0 ] || fail "malformed envelope caused flash writes"
checks=$((checks + 1))
[ "$(jq -r '.ok' "$T/out")" = false ] || fail "ok not false"

# Payload missing: the update fails at fetch (before any write).
expect_exit 1 "$FWUP_SIM" install "$T/dev" "$T/v1.suit" && expect_err 'FWUP_E_FETCH'

# Install + boot.
expect_exit 0 "$FWUP_SIM" install "$T/dev" "$T/v1.suit" --payloads "$P" --json
checks=$((checks + 1))
[ "$(jq -r '.slot + " " + (.sequence|tostring) + " " + (.image_size|tostring)' "$T/out")" = "A 1 10000" ] ||
    fail "install json: $(cat "$T/out")"
checks=$((checks + 1))
[ "$(jq -r '.flash.operations' "$T/out")" -gt 40 ] || fail "install reports no flash operations"
expect_exit 0 "$FWUP_SIM" boot "$T/dev" --json
checks=$((checks + 1))
[ "$(jq -r '.slot + " " + .outcome' "$T/out")" = "A trial-confirmed" ] || fail "boot json: $(cat "$T/out")"
expect_exit 0 "$FWUP_SIM" boot "$T/dev"
expect_out 'booted slot A \(sequence 1, confirmed\), 0 flash operations'
# confirm with no trial running is refused.
expect_exit 1 "$FWUP_SIM" confirm "$T/dev" && expect_err 'no trial image is running'

# A corrupted image byte in the active slot: the bootloader refuses it.
cp -a "$T/dev" "$T/dev-corrupt"
printf '\x00' | dd of="$T/dev-corrupt/flash.bin" bs=1 seek=$((16384 + 5000)) conv=notrunc 2>/dev/null
expect_exit 1 "$FWUP_SIM" boot "$T/dev-corrupt" --json
checks=$((checks + 1))
[ "$(jq -r '.skipped[0].slot' "$T/out")" = A ] || fail "corrupt slot not reported as skipped"

# Explicit confirm path: --fail-health leaves the trial unconfirmed, confirm fixes it.
expect_exit 0 "$FWUP_SIM" install "$T/dev" "$T/v2.suit" --payloads "$P"
expect_exit 0 "$FWUP_SIM" boot "$T/dev" --fail-health && expect_out 'trial-unconfirmed'
expect_exit 0 "$FWUP_SIM" confirm "$T/dev" && expect_out 'confirmed slot B'
expect_exit 0 "$FWUP_SIM" status "$T/dev" --json
checks=$((checks + 1))
[ "$(jq -r '.anti_rollback' "$T/out")" = 2 ] || fail "confirm did not raise anti-rollback"
expect_exit 0 "$FWUP_SIM" status "$T/dev" && expect_out 'slot B +confirmed, sequence 2'
done_testing
