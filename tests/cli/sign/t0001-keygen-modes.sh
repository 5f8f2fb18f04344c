#!/bin/bash
# fwup keygen: every algorithm; private key 0600, public key beside it;
# refuses to overwrite without --force; usage errors exit 2.
. "$(dirname "$0")/../lib.sh"

for alg in ES256 ES384 Ed25519; do
    expect_exit 0 "$FWUP" keygen -a "$alg" -o "$T/$alg.pem"
    expect_out '^[0-9a-f]{64}$'          # the kid on stdout
    [ "$(stat -c %a "$T/$alg.pem")" = 600 ] || fail "$alg: private key mode $(stat -c %a "$T/$alg.pem")"
    [ -f "$T/$alg.pub.pem" ] || fail "$alg: no public key beside the private key"
    grep -q 'BEGIN PRIVATE KEY' "$T/$alg.pem" || fail "$alg: not PKCS#8 PEM"
    grep -q 'BEGIN PUBLIC KEY' "$T/$alg.pub.pem" || fail "$alg: public key not PEM"
    # openssl agrees the two files are one key pair
    openssl pkey -in "$T/$alg.pem" -pubout -out "$T/$alg.check.pem" 2>/dev/null
    expect_same "$T/$alg.check.pem" "$T/$alg.pub.pem"
    # and fwup pubkey prints the same public key
    expect_exit 0 "$FWUP" pubkey "$T/$alg.pem"
    expect_same "$T/out" "$T/$alg.pub.pem"
done
openssl pkey -in "$T/ES384.pem" -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-384' || fail "ES384 is not P-384"
openssl pkey -in "$T/Ed25519.pem" -noout -text 2>/dev/null | grep -q 'ED25519' || fail "not Ed25519"

# HMAC256: 32 raw bytes, 0600, no public key
expect_exit 0 "$FWUP" keygen -a HMAC256 -o "$T/mac.key"
[ "$(stat -c %s "$T/mac.key")" = 32 ] || fail "HMAC key is not 32 bytes"
[ "$(stat -c %a "$T/mac.key")" = 600 ] || fail "HMAC key mode"
[ ! -e "$T/mac.key.pub.pem" ] || fail "HMAC key got a public key file"

# --pub chooses the public key name
expect_exit 0 "$FWUP" keygen -a ES256 -o "$T/k2.key" --pub "$T/k2-public.pem"
[ -f "$T/k2-public.pem" ] || fail "--pub ignored"

# Refuses to overwrite: exit 4, the old key is untouched, no temporaries.
cp "$T/ES256.pem" "$T/before.pem"
expect_exit 4 "$FWUP" keygen -a ES256 -o "$T/ES256.pem"
expect_err "^fwup: error: '$T/ES256.pem': refusing to overwrite .*\[FWUP_E_IO_EXISTS\]$"
expect_same "$T/ES256.pem" "$T/before.pem"
# ... also when only the public key file is in the way; then no private key is left behind
expect_exit 4 "$FWUP" keygen -a ES256 -o "$T/new.pem" --pub "$T/ES256.pub.pem"
expect_no_file "$T/new.pem"
# --force replaces, still 0600
expect_exit 0 "$FWUP" keygen -a ES256 -o "$T/ES256.pem" --force
cmp -s "$T/ES256.pem" "$T/before.pem" && fail "--force did not replace the key"
[ "$(stat -c %a "$T/ES256.pem")" = 600 ] || fail "--force key mode"

# Encrypted private key with a passphrase file
printf 'hunter2\n' > "$T/pass"
expect_exit 0 "$FWUP" keygen -a ES384 -o "$T/enc.pem" --passphrase-file "$T/pass"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$T/enc.pem" || fail "key not encrypted"
openssl pkey -in "$T/enc.pem" -passin pass:hunter2 -noout 2>/dev/null || fail "openssl cannot open it with the passphrase"

# Usage: help on stdout exit 0; errors exit 2 with one reason line
expect_exit 0 "$FWUP" keygen --help
expect_out '^usage: fwup keygen'
expect_exit 2 "$FWUP" keygen -a RSA -o "$T/rsa.pem"
expect_err "unknown algorithm 'RSA'"
expect_no_file "$T/rsa.pem"
expect_exit 2 "$FWUP" keygen -a ES256
expect_err 'missing -o'
expect_exit 2 "$FWUP" keygen -a ES256 -o -
expect_err 'refusing to write a private key to stdout'
expect_exit 4 "$FWUP" keygen -a ES256 -o "$T/no/such/dir/k.pem"
checks=$((checks + 1)); [ ! -e "$T/no/such/dir/k.pem" ] || fail "key written into a missing dir"

done_testing
