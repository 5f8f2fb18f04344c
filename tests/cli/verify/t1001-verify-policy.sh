#!/bin/bash
# Multi-signer policies: all-of roles, n-of-m, strict, known key with a bad
# signature, component prefixes from a JSON policy.
. "$(dirname "$0")/../lib.sh"
K=$VECTORS/keys
A=$K/key-a-pub.pem
B=$K/key-b-pub.pem
H=$K/hmac256-secret.bin
M=$VECTORS/multi-signer

expect_exit 0 "$FWUP" verify "$M/example0-two-sign1.suit" -t author="$A" -t operator="$B" --require author,operator
expect_out "^verified: .* \(author, operator\)$"
expect_exit 0 "$FWUP" verify "$M/example0-two-sign1.suit" -t "$A" -t other="$B" --min-signers 2
expect_exit 1 "$FWUP" verify "$M/example0-two-sign1.suit" -t "$A" -t other="$B" --min-signers 3
expect_err "2 valid signer\(s\), the policy requires 3 .*\[FWUP_E_POLICY_TOO_FEW\]"
# forgery of the operator's approval: operator anchor is an unrelated key
expect_exit 1 "$FWUP" verify "$M/example0-two-sign1.suit" -t author="$A" -t operator="$K/ecdh-device-p256.pem" --require author,operator
expect_err "required role 'operator' has no valid authentication block \(policy.require\[operator\]\) \[FWUP_E_POLICY_ROLE_MISSING\]"
expect_out "block 1: .*: unknown-key"
# single-signed envelope cannot pass an author+operator policy
expect_exit 1 "$FWUP" verify "$VECTORS/draft37/example0.suit" -t author="$A" -t operator="$B" --require author,operator
expect_err "\[FWUP_E_POLICY_ROLE_MISSING\]"
# second block by KEY-B has a flipped bit
expect_exit 0 "$FWUP" verify "$M/example0-two-sign1-second-bad.suit" -t "$A"
expect_out "block 1: .*: unknown-key"
expect_exit 1 "$FWUP" verify "$M/example0-two-sign1-second-bad.suit" -t "$A" --strict
expect_err "\[FWUP_E_UNKNOWN_KEY_STRICT\]"
expect_exit 1 "$FWUP" verify "$M/example0-two-sign1-second-bad.suit" -t "$A" -t operator="$B"
expect_err "authentication block 1 names a trusted key but does not verify .*\[FWUP_E_KNOWN_KEY_BAD_SIG\]"
# COSE_Sign: both signers count
expect_exit 0 "$FWUP" verify "$M/example0-cose-sign-2signers.suit" -t "$A" -t op="$B" --require author,op --min-signers 2
expect_out "block 1: COSE_Sign ESP256 \(-9\) kid c770ec53.*: valid"
# Sign1 + Mac0
expect_exit 0 "$FWUP" verify "$M/example0-sign1-plus-mac0.suit" -t "$A" --hmac-key device="$H" --require author,device
expect_exit 1 "$FWUP" verify "$M/example0-sign1-plus-mac0.suit" -t "$A" --hmac-key device="$K/a128kw-kek.bin" --require author,device
expect_err "\[FWUP_E_POLICY_ROLE_MISSING\]"

# JSON policy file: anchors relative to the file, component prefixes
cp "$A" "$B" "$T/"
cat >"$T/policy.json" <<JSON
{"fwup_policy": 1,
 "anchors": [{"key": "key-a-pub.pem", "role": "author"},
             {"key": "key-b-pub.pem", "role": "operator", "components": [[{"hex": "00"}]]}],
 "require": ["author", "operator"]}
JSON
expect_exit 0 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/policy.json"
sed 's/"00"/"01"/' "$T/policy.json" >"$T/narrow.json"
expect_exit 1 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/narrow.json"
expect_err "\(envelope.manifest.common.components\[0\]\) \[FWUP_E_POLICY_COMPONENT\]"
echo '{"anchors": [], "bogus": 1}' >"$T/bad.json"
expect_exit 3 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/bad.json"
expect_err "bad.json'.*\[FWUP_E_POLICY_INVALID\]"
echo '{"anchors": [' >"$T/broken.json"
expect_exit 3 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/broken.json"
expect_err "broken.json':[0-9]+:[0-9]+: .*\[FWUP_E_POLICY_INVALID\]"
# One loader (lib/policy): a role nobody holds, a missing key file and an
# anchor key the schema does not know are refused with the JSON path.
sed 's/"require": \["author", "operator"\]/"require": ["author", "release"]/' "$T/policy.json" >"$T/norole.json"
expect_exit 3 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/norole.json"
expect_err "norole.json': 'release' is not the role of any anchor \(\\\$\.require\[1\]\) \[FWUP_E_POLICY_INVALID\]"
sed 's/key-b-pub.pem/nokey.pem/' "$T/policy.json" >"$T/nokey.json"
expect_exit 4 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/nokey.json"
expect_err "nokey.json': cannot open key.*\(\\\$\.anchors\[1\]\.key\) \[FWUP_E_IO_OPEN\]"
sed 's/"role": "author"/"role": "author", "kid": "x"/' "$T/policy.json" >"$T/kid.json"
expect_exit 3 "$FWUP" verify "$M/example0-two-sign1.suit" --policy "$T/kid.json"
expect_err "unknown key 'kid' \(\\\$\.anchors\[0\]\) \[FWUP_E_POLICY_INVALID\]"
done_testing
