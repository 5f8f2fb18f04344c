#!/bin/bash
# --json: exactly one JSON document on stdout, same exit codes.
. "$(dirname "$0")/../lib.sh"
K=$VECTORS/keys
# one JSON document, valid against schemas/cli/verify.schema.json (when
# python3-jsonschema is installed)
json_ok() {
    python3 - "$T/out" "$SRCDIR/schemas/cli/verify.schema.json" >"$T/ok" 2>&1 <<'PY' || { fail "stdout is not a valid verify JSON document"; cat "$T/ok" >&2; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fwup_json"] == 1
try:
    import jsonschema
    jsonschema.validate(d, json.load(open(sys.argv[2])))
except ImportError:
    pass
print(d["ok"])
PY
}

expect_exit 0 "$FWUP" verify --json "$VECTORS/multi-signer/example0-two-sign1.suit" -t "$K/key-a-pub.pem" -t op="$K/key-b-pub.pem"
json_ok
expect_out '"hex": "6658ea560262696dd1f13b782239a064da7c6c5cbaf52fded428a6fc83c7e5af"'
expect_out '"kid": "c770ec535d8c949586324adaf2ddffb76b1a852dfa52e19c80f7440ec163beea"'
expect_out '"role": "op"'
expect_out '"sequence_number": 0'
expect_exit 1 "$FWUP" verify --json "$VECTORS/negative/example0-bad-signature.suit" -t "$K/key-a-pub.pem"
json_ok
grep -q False "$T/ok" || fail "ok must be false"
expect_out '"name": "FWUP_E_SIG_VERIFY"'
expect_out '"verdict": "invalid"'
expect_err "\[FWUP_E_SIG_VERIFY\]"
expect_exit 3 "$FWUP" verify --json "$VECTORS/keys/key-a-pub.pem" -t "$K/key-a-pub.pem"
json_ok
expect_out '"name": "FWUP_E_CBOR_'
expect_exit 4 "$FWUP" verify --json "$T/missing.suit" -t "$K/key-a-pub.pem"
json_ok
expect_out '"name": "FWUP_E_IO_OPEN"'
done_testing
