#!/bin/bash
# fwup keys list against a throw-away SoftHSM token (run by meson through
# tests/with-hsm.sh -x tests/p11/fixtures.sh keys/hsm-setup.sh, which exports
# SOFTHSM2_CONF, FWUP_PKCS11_MODULE, FWUP_HSM_TOKEN, FWUP_HSM_PIN, FWUP_HSM_DIR).
. "$(dirname "$0")/../lib.sh"
: "${FWUP_HSM_TOKEN:?run through tests/with-hsm.sh}"
unset FWUP_PKCS11_PIN
tok=$FWUP_HSM_TOKEN

# --help: stdout, exit 0
expect_exit 0 "$FWUP" keys list --help
expect_out '^usage: fwup keys list'
expect_exit 0 "$FWUP" help keys
expect_out '^usage: fwup keys list'
# usage errors: exit 2
expect_exit 2 "$FWUP" keys
expect_err "missing subcommand"
expect_exit 2 "$FWUP" keys frobnicate
expect_exit 2 "$FWUP" keys list not-a-uri

# No PIN anywhere: public objects only, and a hint how to see private keys.
expect_exit 0 "$FWUP" keys list "pkcs11:token=$tok"
expect_out "^token '$tok'\$"
expect_out "^  manufacturer: SoftHSM project\$"
expect_out "^  serial: +[0-9a-f]+\$"
expect_out "^  flags: +.*login-required"
expect_out "^  uri: +pkcs11:.*token=$tok"
expect_out "^  public +EC P-256 +sign=- +id=01 label='author'\$"
expect_out "^  public +EC_EDWARDS Ed25519 +sign=- +id=03 label='author-ed'\$"
expect_out "^  public +EC P-384 +sign=- +id=04 label='author-384'\$"
expect_out "hidden until you log in"
checks=$((checks + 1))
grep -q '^  private' "$T/out" && fail "private keys listed without a login"

# PIN from the environment, one token selected: private keys with CKA_SIGN and
# a URI that names exactly the key.
FWUP_PKCS11_PIN=$FWUP_HSM_PIN expect_exit 0 "$FWUP" keys list "pkcs11:token=$tok;id=%01"
expect_out "^  private +EC P-256 +sign=yes +id=01 label='author'\$"
expect_out "^    pkcs11:.*token=$tok;id=%01;object=author;type=private"
checks=$((checks + 1))
grep -q "label='operator'" "$T/out" && fail "id=%01 also listed the operator key"

# --login with the PIN in a pin-source file named in the URI.
printf '%s\n' "$FWUP_HSM_PIN" > "$T/pin"
expect_exit 0 "$FWUP" keys list --login "pkcs11:token=$tok;type=private?pin-source=file:$T/pin"
expect_out "^  private +EC_EDWARDS Ed25519 +sign=yes +id=03 label='author-ed'\$"
checks=$((checks + 1))
grep -q '^  public' "$T/out" && fail "type=private listed public keys"
# --pin-file
expect_exit 0 "$FWUP" keys list --pin-file "$T/pin" "pkcs11:token=$tok;object=author-384"
expect_out "^  private +EC P-384 +sign=yes +id=04 label='author-384'\$"
# the listed URI is the one to use: list again with it, exactly one object
uri=$(sed -n "s/^    \(pkcs11:.*type=private.*\)/\1/p" "$T/out" | head -1)
FWUP_PKCS11_PIN=$FWUP_HSM_PIN expect_exit 0 "$FWUP" keys list "$uri"
checks=$((checks + 1))
[ "$(grep -c '^    pkcs11:' "$T/out")" = 1 ] || fail "listed URI '$uri' does not select one object"
# The PIN never shows up in the output.
checks=$((checks + 1))
grep -q "pin-value\|pin-source" "$T/out" && fail "a PIN source leaked into the listed URIs"

# Errors: each with its own name, exit 5.
expect_exit 5 "$FWUP" keys list "pkcs11:token=no-such-token"
expect_err "no token matches the URI \(present: .*'$tok'.*\) \[FWUP_E_PKCS11_TOKEN\]"
expect_exit 5 "$FWUP" keys list "pkcs11:token=$tok?module-path=/nonexistent/libnope.so"
expect_err "cannot load PKCS#11 module '/nonexistent/libnope.so'.*\[FWUP_E_PKCS11_MODULE\]"
FWUP_PKCS11_MODULE=no-such-module expect_exit 5 "$FWUP" keys list
expect_err "no PKCS#11 module named 'no-such-module'.*\[FWUP_E_PKCS11_MODULE\]"
expect_exit 5 "$FWUP" keys list "pkcs11:id=%zz"
expect_err "\[FWUP_E_URI\]"
FWUP_PKCS11_PIN=0000 expect_exit 5 "$FWUP" -v keys list "pkcs11:token=$tok"
expect_err "wrong PIN for token '$tok'.*\[FWUP_E_PKCS11_PIN\] \(backend 0xa0\)"
FWUP_PKCS11_PIN=1111 expect_exit 5 "$FWUP" keys list "pkcs11:token=fwup-lock"
expect_err "PIN of token 'fwup-lock' is locked.*\[FWUP_E_PKCS11_PIN_LOCKED\]"
# --login where several tokens match: no PIN is tried on tokens not named.
FWUP_PKCS11_PIN=$FWUP_HSM_PIN expect_exit 5 "$FWUP" keys list --login "pkcs11:"
expect_err "tokens match: name one with token= to log in \[FWUP_E_PKCS11_AMBIGUOUS\]"
# no PIN source at all, stdin not a terminal: no prompt, a clear error
expect_exit 5 "$FWUP" keys list --login "pkcs11:token=$tok" </dev/null
expect_err "no PIN for token '$tok'.*\[FWUP_E_PKCS11_PIN\]"

# keys/hsm-setup.sh on an existing dir (the demo's second run) reuses the
# token: same exports, same token serial, no new keys.
serial_before=$(FWUP_PKCS11_PIN=$FWUP_HSM_PIN "$FWUP" keys list "pkcs11:token=$tok" | sed -n 's/^  serial: *//p')
expect_exit 0 "$SRCDIR/keys/hsm-setup.sh" "$FWUP_HSM_DIR"
expect_err "reusing the token in $FWUP_HSM_DIR"
expect_out "^export SOFTHSM2_CONF='$SOFTHSM2_CONF'\$"
expect_out "^export FWUP_HSM_AUTHOR_URI='pkcs11:token=$tok;id=%01;type=private'\$"
FWUP_PKCS11_PIN=$FWUP_HSM_PIN expect_exit 0 "$FWUP" keys list "pkcs11:token=$tok;object=author;type=private"
expect_out "^  serial: +$serial_before\$"
checks=$((checks + 1))
[ "$(grep -c '^  private' "$T/out")" = 1 ] || fail "a second hsm-setup.sh run added keys"

done_testing
