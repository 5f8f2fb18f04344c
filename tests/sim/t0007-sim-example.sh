#!/bin/bash
# The bundled example (device-sim/example) end to end with fwup's own tools:
# `fwup create` + `fwup sign` (demo author + operator keys), then provision a
# device with the example layout and policy, install, boot, and an exhaustive
# power cut over the install. Skipped (77) until the authoring commands and
# the example files exist.
. "$SIMTESTS/../cli/lib.sh"
. "$SIMTESTS/simlib.sh"
EX=$SRCDIR/device-sim/example
for f in release.json release-v1.json firmware-v1.bin firmware-v2.bin layout.json policy.json; do
    [ -f "$EX/$f" ] || { echo "SKIP: $EX/$f missing"; exit 77; }
done
for k in demo-author demo-operator; do
    [ -f "$SRCDIR/keys/$k.pem" ] && [ -f "$SRCDIR/keys/$k.pub.pem" ] ||
        { echo "SKIP: keys/$k.pem missing"; exit 77; }
done
"$FWUP" create "$EX/release.json" -o "$T/probe.suit" >/dev/null 2>&1
[ $? = 0 ] || { echo "SKIP: fwup create does not build the example yet"; exit 77; }

# release-v1.json and release.json (v2) integrate their payloads: no --payloads.
seqv2=$(jq -r '."sequence-number"' "$EX/release.json")
dom=$(jq -r '.identity."vendor-domain"' "$EX/release.json")
model=$(jq -r '.identity.model' "$EX/release.json")
cp "$EX/release-v1.json" "$EX/release.json" "$EX"/firmware-v*.bin "$T/"
for v in v1 v2; do
    src=$T/release.json; [ $v = v1 ] && src=$T/release-v1.json
    "$FWUP" create "$src" -o "$T/$v-unsigned.suit" || fail "create $v"
    "$FWUP" sign "$T/$v-unsigned.suit" -k "$SRCDIR/keys/demo-author.pem" -o "$T/$v-a.suit" || fail "sign $v author"
    "$FWUP" sign "$T/$v-a.suit" -k "$SRCDIR/keys/demo-operator.pem" -o "$T/$v.suit" || fail "sign $v operator"
done
PL=$T
expect_exit 0 "$FWUP_SIM" init "$T/dev" --layout "$EX/layout.json" --policy "$EX/policy.json" \
    --vendor-domain "$dom" --model "$model"
expect_exit 0 "$FWUP_SIM" install "$T/dev" "$T/v1.suit" --payloads "$PL"
expect_exit 0 "$FWUP_SIM" boot "$T/dev"
cp -a "$T/dev" "$T/base"
expect_exit 0 "$FWUP_SIM" install "$T/dev" "$T/v2.suit" --payloads "$PL" --json
OPS=$(jq -r .flash.operations "$T/out")
expect_exit 0 "$FWUP_SIM" boot "$T/dev" && expect_out 'trial-confirmed'
tried=0 survived=0
for N in $(seq 0 "$OPS"); do
    rm -rf "$T/d"; cp -a "$T/base" "$T/d"; tried=$((tried + 1)); checks=$((checks + 1))
    "$FWUP_SIM" install "$T/d" "$T/v2.suit" --payloads "$PL" --power-cut-after "$N" >/dev/null 2>&1
    boot_json "$T/d"
    [ "$BOOT_RC" = 0 ] || { fail "cut $N: boot failed"; continue; }
    if [ "$BOOT_SEQ" != "$seqv2" ]; then
        sim install "$T/d" "$T/v2.suit" --payloads "$PL" || { fail "cut $N: re-install"; continue; }
        boot_json "$T/d"
    fi
    [ "$BOOT_SEQ" = "$seqv2" ] || { fail "cut $N: v2 not booted"; continue; }
    survived=$((survived + 1))
done
echo "example install power cut: $OPS flash operations, tried $tried cut points, $survived survived"
done_testing
