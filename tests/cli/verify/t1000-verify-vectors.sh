#!/bin/bash
# fwup verify on every vector of tests/vectors with the verdicts FACTS.md lists.
. "$(dirname "$0")/../lib.sh"
K=$VECTORS/keys
A=$K/key-a-pub.pem
B=$K/key-b-pub.pem
H=$K/hmac256-secret.bin

for n in 0 1 2 2-severed 3 4 5; do
    expect_exit 0 "$FWUP" verify "$VECTORS/draft37/example$n.suit" -t "$VECTORS/draft37/example-pub.pem"
    expect_out "^verified: '.*example$n.suit' \(author\)$"
    expect_out "^block 0: COSE_Sign1 ES256 \(-7\) kid -: valid"
done
for n in 0 1 2-severed 3 4 5; do
    expect_exit 1 "$FWUP" verify "$VECTORS/draft37/example$n-unsigned.suit" -t "$A"
    expect_err "example$n-unsigned.suit':[0-9]+: .*\[FWUP_E_NO_AUTH_BLOCK\]$"
done
expect_exit 0 "$FWUP" verify "$VECTORS/draft37/example2.suit" -t "$A"
expect_out "sequence number 2, sha-256 6a5197ed8f9dccf733d1c89a359441708e070b4c6dcb9a1c2c82c6165f609b90"

# negative vectors
expect_exit 1 "$FWUP" verify "$VECTORS/negative/example0-bad-signature.suit" -t "$A"
expect_err "\[FWUP_E_SIG_VERIFY\]"
expect_out "kid -: invalid"
expect_exit 1 "$FWUP" verify "$VECTORS/negative/example0-manifest-tampered.suit" -t "$A"
expect_err "example0-manifest-tampered.suit':122: .*\(envelope.manifest\) \[FWUP_E_MANIFEST_DIGEST\]"
expect_exit 1 "$FWUP" verify "$VECTORS/negative/example2-text-tampered.suit" -t "$A"
expect_err "\(envelope.text\) \[FWUP_E_SEVERABLE_DIGEST\]"
expect_exit 1 "$FWUP" verify "$VECTORS/negative/example0-wrong-key.suit" -t "$B"
expect_err "\[FWUP_E_SIG_VERIFY\]"

# encryption envelopes: Mac0 ones with the HMAC key, es-ecdh with KEY-A / KEY-B
for f in aes-kw-content aes-kw aes-kw-slot; do
    expect_exit 0 "$FWUP" verify "$VECTORS/encryption/suit-manifest-$f.suit" --hmac-key "$H"
    expect_out "COSE_Mac0 HMAC-256/256 \(5\) kid -: valid"
    expect_exit 1 "$FWUP" verify "$VECTORS/encryption/suit-manifest-$f.suit" -t "$A"
    expect_err "\[FWUP_E_NO_TRUSTED_KEY\]"
done
expect_exit 0 "$FWUP" verify "$VECTORS/encryption/suit-manifest-es-ecdh-content.suit" -t "$A"
expect_exit 0 "$FWUP" verify "$VECTORS/encryption/suit-manifest-es-ecdh-dependency.suit" -t "$B"
expect_exit 1 "$FWUP" verify "$VECTORS/encryption/suit-manifest-es-ecdh-dependency.suit" -t "$A"
expect_err "\[FWUP_E_SIG_VERIFY\]"
done_testing
