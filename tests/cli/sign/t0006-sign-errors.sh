#!/bin/bash
# Bad inputs to fwup sign: one clear error line, the documented exit status,
# and no output file (nor a temporary) left behind.
. "$(dirname "$0")/../lib.sh"
IN="$VECTORS/draft37/example0-unsigned.suit"
KEYA="$VECTORS/keys/key-a-priv.pem"
O="$T/out.suit"

one_line() { checks=$((checks + 1)); [ "$(wc -l < "$T/err")" = 1 ] || fail "expected one stderr line: $(cat "$T/err")"; }

# unreadable key: I/O (4)
expect_exit 4 "$FWUP" sign "$IN" -k "$T/missing.pem" -o "$O"
expect_err "^fwup: error: '$T/missing.pem': cannot open key: No such file or directory \[FWUP_E_IO_OPEN\]$"
one_line; expect_no_file "$O"
cp "$KEYA" "$T/noread.pem"; chmod 000 "$T/noread.pem"
if [ "$(id -u)" != 0 ]; then
    expect_exit 4 "$FWUP" sign "$IN" -k "$T/noread.pem" -o "$O"
    expect_no_file "$O"
fi
# key file that is not a key / a public key: malformed (3)
expect_exit 3 "$FWUP" sign "$IN" -k "$IN" -o "$O"
expect_err "not a PEM private key \[FWUP_E_KEY_FORMAT\]$"
one_line; expect_no_file "$O"
expect_exit 3 "$FWUP" sign "$IN" -k "$VECTORS/keys/key-a-pub.pem" -o "$O"
expect_err "this is a public key"
expect_no_file "$O"
# unsupported key type (RSA): malformed key file (3)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa.pem" 2>/dev/null
expect_exit 3 "$FWUP" sign "$IN" -k "$T/rsa.pem" -o "$O"
expect_err "unsupported key type"
expect_no_file "$O"
# key type vs --alg: backend/key class (5)
expect_exit 5 "$FWUP" sign "$IN" -k "$KEYA" --alg ES384 -o "$O"
expect_err "^fwup: error: '$KEYA': --alg ES384 cannot be made with this key \[FWUP_E_KEY_ALG_MISMATCH\]$"
one_line; expect_no_file "$O"
expect_exit 5 "$FWUP" sign "$IN" -k "$KEYA" --alg HMAC256 -o "$O"
expect_no_file "$O"
# already signed by this key (5): by kid, and by an upstream block without kid
expect_exit 0 "$FWUP" sign "$IN" -k "$KEYA" -o "$T/a.suit"
expect_exit 5 "$FWUP" sign "$T/a.suit" -k "$KEYA" -o "$O"
expect_err "^fwup: error: '$T/a.suit': block 1 already carries this kid .*\[FWUP_E_ALREADY_SIGNED\]$"
one_line; expect_no_file "$O"
expect_exit 5 "$FWUP" sign "$VECTORS/draft37/example0.suit" -k "$KEYA" --kid 01 -o "$O"
expect_err "already signed by this key"
expect_no_file "$O"
# the manifest does not match the digest in the wrapper: verification said no (1)
expect_exit 1 "$FWUP" sign "$VECTORS/negative/example0-manifest-tampered.suit" -k "$KEYA" -o "$O"
expect_err "^fwup: error: '.*example0-manifest-tampered.suit':122: manifest does not match the digest .*\(envelope.manifest\) \[FWUP_E_MANIFEST_DIGEST\]$"
one_line; expect_no_file "$O"
# malformed envelope: (3) with an offset
head -c 100 "$IN" > "$T/trunc.suit"
expect_exit 3 "$FWUP" sign "$T/trunc.suit" -k "$KEYA" -o "$O"
expect_err "^fwup: error: '$T/trunc.suit':[0-9]+: .*\[FWUP_E_CBOR_TRUNCATED\]$"
expect_no_file "$O"
expect_exit 3 "$FWUP" sign "$KEYA" -k "$KEYA" -o "$O"
expect_no_file "$O"
# missing input file (4)
expect_exit 4 "$FWUP" sign "$T/nope.suit" -k "$KEYA" -o "$O"
expect_no_file "$O"
# an existing output is not replaced by garbage on failure
printf 'old' > "$T/keep.suit"
expect_exit 1 "$FWUP" sign "$VECTORS/negative/example0-manifest-tampered.suit" -k "$KEYA" -o "$T/keep.suit"
checks=$((checks + 1)); [ "$(cat "$T/keep.suit")" = old ] || fail "existing output was touched"
# usage errors (2)
expect_exit 2 "$FWUP" sign "$IN" -o "$O"
expect_err "missing -k KEY"
expect_exit 2 "$FWUP" sign "$IN" -k "$KEYA"
expect_err "1 input\(s\) but 0 -o"
expect_exit 2 "$FWUP" sign "$IN" -k "$KEYA" --alg RS256 -o "$O"
expect_err "unknown algorithm 'RS256'"
expect_exit 2 "$FWUP" sign "$IN" -k "$KEYA" --kid xyz -o "$O"
expect_exit 2 "$FWUP" sign "$IN" -k "$KEYA" --hmac-key "$VECTORS/keys/hmac256-secret.bin" -o "$O"
expect_exit 2 "$FWUP" sign "$IN" -k "$KEYA" --pub "$VECTORS/keys/key-a-pub.pem" -o "$O"
expect_exit 2 "$FWUP" sign
expect_no_file "$O"

done_testing
