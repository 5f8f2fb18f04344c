#!/bin/bash
# fwup sever: drops install and text, keeps the manifest and the signed
# authentication wrapper byte for byte, so the signature stays valid.
. "$(dirname "$0")/../lib.sh"
D=$VECTORS/draft37

expect_exit 0 "$FWUP" sever "$D/example2.suit" -o "$T/sev.suit"
# The published severed envelope carries the very same signature.
expect_same "$T/sev.suit" "$D/example2-severed.suit"
# The authentication wrapper (key 2: 02 58 73 <115 bytes>, digest and
# COSE_Sign1) is byte-identical; only the map head (a4 -> a2) changed.
cmp -s <(tail -c +4 "$D/example2.suit" | head -c 118) <(tail -c +4 "$T/sev.suit" | head -c 118) ||
    fail "authentication wrapper changed"
checks=$((checks + 1))

# If the verifier is available, it must accept the severed signed envelope
# exactly when it accepts the original (verify is another issue's command).
if "$FWUP" verify "$D/example2.suit" -t "$D/example-pub.pem" >/dev/null 2>&1; then
    expect_exit 0 "$FWUP" verify "$T/sev.suit" -t "$D/example-pub.pem"
fi

# Nothing to sever: written unchanged, with a note.
expect_exit 0 "$FWUP" sever "$D/example0.suit" -o "$T/same.suit"
expect_same "$T/same.suit" "$D/example0.suit"
expect_err "no severable elements"

# Malformed input: exit 3, nothing written.
printf '\xd8\x6b\xa2\x02\x41' >"$T/trunc.suit"
expect_exit 3 "$FWUP" sever "$T/trunc.suit" -o "$T/none.suit"
expect_err "'.*trunc.suit':[0-9]+: .*\[FWUP_E_CBOR_TRUNCATED\]"
expect_no_file "$T/none.suit"
printf '\xd8\x6b\xa1\x02\x40' >"$T/nomanifest.suit"
expect_exit 3 "$FWUP" sever "$T/nomanifest.suit" -o "$T/none.suit"
expect_err "FWUP_E_SUIT_MISSING"
expect_no_file "$T/none.suit"

# Usage.
expect_exit 2 "$FWUP" sever "$D/example2.suit"
expect_exit 0 "$FWUP" sever --help
expect_out "usage: fwup sever"
done_testing
