#!/bin/bash
# Batch signing: several inputs, --out-dir or one -o per input; the key is
# opened once (one passphrase prompt / HSM login); all or nothing.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
D="$VECTORS/draft37"

mkdir "$T/od" "$T/od2"
expect_exit 0 "$FWUP" sign "$D/example0-unsigned.suit" "$D/example1-unsigned.suit" "$D/example3-unsigned.suit" \
    -k "$VECTORS/keys/key-a-priv.pem" --out-dir "$T/od"
for e in example0 example1 example3; do
    checks=$((checks + 1))
    "$PY" "$CHECK" "$T/od/$e-unsigned.suit" --pub "$VECTORS/keys/key-a-pub.pem" >/dev/null 2>&1 \
        || fail "$e not signed in the batch"
done
# one -o per input, in order
expect_exit 0 "$FWUP" sign "$D/example4-unsigned.suit" -o "$T/four.suit" "$D/example5-unsigned.suit" -o "$T/five.suit" \
    -k "$VECTORS/keys/key-b-priv.pem"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/four.suit" --pub "$VECTORS/keys/key-b-pub.pem" >/dev/null 2>&1 || fail "four"
checks=$((checks + 1))
"$PY" "$CHECK" "$T/five.suit" --pub "$VECTORS/keys/key-b-pub.pem" >/dev/null 2>&1 || fail "five"
# an encrypted key in a batch: the passphrase is read once, all are signed
printf 'batch-pass\n' > "$T/pass"
expect_exit 0 "$FWUP" keygen -a ES256 -o "$T/enc.pem" --passphrase-file "$T/pass"
expect_exit 0 "$FWUP" sign "$D/example0-unsigned.suit" "$D/example1-unsigned.suit" -k "$T/enc.pem" \
    --passphrase-file "$T/pass" --out-dir "$T/od2"
checks=$((checks + 1))
[ "$(ls "$T/od2" | wc -l)" = 2 ] || fail "encrypted-key batch"

# All or nothing: one bad input (tampered manifest) -> NO output at all
mkdir "$T/none"
expect_exit 1 "$FWUP" sign "$D/example0-unsigned.suit" "$VECTORS/negative/example0-manifest-tampered.suit" \
    "$D/example1-unsigned.suit" -k "$VECTORS/keys/key-a-priv.pem" --out-dir "$T/none"
expect_err "MANIFEST_DIGEST"
expect_err "nothing written"
checks=$((checks + 1))
[ -z "$(ls "$T/none")" ] || fail "a failed batch wrote: $(ls "$T/none")"

# usage: counts must match, outputs must be distinct, not both forms
expect_exit 2 "$FWUP" sign "$D/example0-unsigned.suit" "$D/example1-unsigned.suit" -k "$VECTORS/keys/key-a-priv.pem" -o "$T/x.suit"
expect_err "2 input\(s\) but 1 -o"
expect_no_file "$T/x.suit"
expect_exit 2 "$FWUP" sign "$D/example0-unsigned.suit" "$VECTORS/multi-signer/../draft37/example0-unsigned.suit" \
    -k "$VECTORS/keys/key-a-priv.pem" --out-dir "$T/none"
expect_err "two inputs would be written to"
expect_exit 2 "$FWUP" sign "$D/example0-unsigned.suit" -k "$VECTORS/keys/key-a-priv.pem" --out-dir "$T/none" -o "$T/x.suit"

done_testing
