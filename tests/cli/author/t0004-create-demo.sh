#!/bin/bash
# The bundled demo release (device-sim/example): file references resolved
# relative to the description, integrated payload, derived UUIDs, text
# severable; deterministic output.
. "$(dirname "$0")/../lib.sh"
E=$SRCDIR/device-sim/example

# From another directory: image paths are relative to the description.
cd "$T" || exit 1
expect_exit 0 "$FWUP" create "$E/release.json" -o "$T/v2.suit"
expect_exit 0 "$FWUP" create "$E/release.json" -o "$T/v2b.suit"
expect_same "$T/v2.suit" "$T/v2b.suit"
# The image is embedded verbatim under its key, at the end of the envelope.
checks=$((checks + 1))
cmp -s <(tail -c 6144 "$T/v2.suit") "$E/firmware-v2.bin" || fail "image not at the end"
grep -q '#firmware-v2.bin' "$T/v2.suit" || fail "integrated key missing"
# vendor-id UUID5(DNS, fwup.example) = aaacdf29-dc6a-5f5e-91b1-4cb21c6ca9f6
checks=$((checks + 1))
od -An -tx1 -v "$T/v2.suit" | tr -d ' \n' | grep -q '50aaacdf29dc6a5f5e91b14cb21c6ca9f6' ||
    fail "derived vendor-id not found"
# --sever drops the text element (23) only.
expect_exit 0 "$FWUP" create --sever "$E/release.json" -o "$T/v2s.suit"
checks=$((checks + 1))
[ "$(wc -c <"$T/v2s.suit")" -lt "$(wc -c <"$T/v2.suit")" ] || fail "--sever did not shrink"
expect_exit 0 "$FWUP" sever "$T/v2.suit" -o "$T/v2s2.suit"
expect_same "$T/v2s.suit" "$T/v2s2.suit"
expect_exit 0 "$FWUP" create "$E/release-v1.json" -o "$T/v1.suit"

# "auto" sequence numbers follow SOURCE_DATE_EPOCH (reproducible builds).
sed 's/"sequence-number": 2/"sequence-number": "auto"/; s#firmware-v2.bin"#'"$E"'/firmware-v2.bin"#' \
    "$E/release.json" >"$T/auto.json"
SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "$FWUP" create "$T/auto.json" -o "$T/a1.suit"
SOURCE_DATE_EPOCH=1700000000 expect_exit 0 "$FWUP" create "$T/auto.json" -o "$T/a2.suit"
expect_same "$T/a1.suit" "$T/a2.suit"
checks=$((checks + 1))
od -An -tx1 -v "$T/a1.suit" | tr -d ' \n' | grep -q '0101021a6553f100' ||
    fail "sequence number is not SOURCE_DATE_EPOCH"
done_testing
