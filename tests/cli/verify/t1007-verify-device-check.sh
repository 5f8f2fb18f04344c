#!/bin/bash
# --device-check: fwup's processor in its dry run (fwup_v_check), as a device
# runs it before installing. `fwup create` lets a vendor's own processor have
# custom commands; a device on lib/verifier refuses them, and verify says so
# only when asked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../report/lib-report.sh" # json_valid, jq_is
K=$VECTORS/keys

# example 0, signed: passes, and the check is reported
cp "$VECTORS/draft37/example0.json" "$T/ok.json"
expect_exit 0 "$FWUP" create "$T/ok.json" -o "$T/ok-unsigned.suit"
expect_exit 0 "$FWUP" sign "$T/ok-unsigned.suit" -k "$K/key-a-priv.pem" -o "$T/ok.suit"
expect_exit 0 "$FWUP" verify "$T/ok.suit" -t "$K/key-a-pub.pem" --device-check
expect_out '^device check: nothing a device refuses before installing \(update, invoke\)$'
expect_exit 0 "$FWUP" verify "$T/ok.suit" -t "$K/key-a-pub.pem" --device-check --json
json_valid verify.schema.json
jq_is '[.ok, .device_check]' '[true,true]'
expect_exit 0 "$FWUP" verify "$T/ok.suit" -t "$K/key-a-pub.pem" --json
jq_is '.device_check' null

# the same with a custom command appended to invoke
jq '.components[0].extra = {"invoke": [{"command": -301, "argument": 7}]}' "$T/ok.json" >"$T/custom.json"
expect_exit 0 "$FWUP" create "$T/custom.json" -o "$T/custom-unsigned.suit"
expect_exit 0 "$FWUP" sign "$T/custom-unsigned.suit" -k "$K/key-a-priv.pem" -o "$T/custom.suit"
# authentic, so plain verify accepts it ...
expect_exit 0 "$FWUP" verify "$T/custom.suit" -t "$K/key-a-pub.pem"
expect_out "^verified: "
# ... and the device check refuses it, naming the invoke sequence
expect_exit 3 "$FWUP" verify "$T/custom.suit" -t "$K/key-a-pub.pem" --device-check
expect_err "a device would refuse its invoke procedure: .*\[FWUP_E_SUIT_UNSUPPORTED_CMD\]"
expect_err "\(envelope\.manifest\.invoke\) \[FWUP_E_SUIT_UNSUPPORTED_CMD\]"
expect_exit 3 "$FWUP" verify "$T/custom.suit" -t "$K/key-a-pub.pem" --device-check --json
json_valid verify.schema.json
jq_is '[.ok, .error.name]' '[false,"FWUP_E_SUIT_UNSUPPORTED_CMD"]'

# the usage text names the option
expect_exit 0 "$FWUP" verify --help
expect_out "--device-check"
done_testing
