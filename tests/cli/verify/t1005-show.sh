#!/bin/bash
# fwup show: every part of an envelope, unauthenticated, text and --json.
. "$(dirname "$0")/../lib.sh"
V=$VECTORS

expect_exit 0 "$FWUP" show --help
expect_out "^usage: fwup show ENVELOPE"
expect_exit 2 "$FWUP" show
expect_err "try 'fwup show --help'"
expect_exit 2 "$FWUP" show --bogus "$V/draft37/example0.suit"
expect_exit 4 "$FWUP" show "$T/missing.suit"
expect_err "\[FWUP_E_IO_OPEN\]"

expect_exit 0 "$FWUP" show "$V/draft37/example2.suit"
expect_out "^NOT AUTHENTICATED"
expect_out "manifest-sequence-number: 2"
expect_out "reference-uri: https://git.io/JJYoj"
expect_out "state: severed-present"
expect_out "hex: cfa90c5c58595e7f5119a72f803fd0370b3e6abbec6315cd38f63135281bc498"
expect_out "- directive-override-parameters"
expect_out "vendor-identifier: fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe"
expect_out "uri: .*http://example.com/very/long/path/to/file/file.bin"
expect_out "- condition-image-match 15"
expect_out "en-US"

# unsigned envelopes can be shown
expect_exit 0 "$FWUP" show "$V/draft37/example2-severed-unsigned.suit"
expect_out "state: severed-missing"
expect_out "blocks: \[\]"
expect_exit 0 "$FWUP" show "$V/draft37/example3.suit"
expect_out "try\[1\]:"
expect_out "component-slot: 1"
expect_exit 0 "$FWUP" show "$V/draft37/example4.suit"
expect_out "- \[h'02'\]"
expect_out "payload-fetch:"

# tampered text is shown and flagged
expect_exit 0 "$FWUP" show "$V/negative/example2-text-tampered.suit"
expect_out "state: severed-digest-mismatch"

# --json
expect_exit 0 "$FWUP" show --json "$V/encryption/suit-manifest-es-ecdh-dependency.suit"
python3 - "$T/out" "$SRCDIR/schemas/cli/show.schema.json" <<'PY' || fail "show --json document"
import json, sys
d = json.load(open(sys.argv[1]))
try:
    import jsonschema
    jsonschema.validate(d, json.load(open(sys.argv[2])))
except ImportError:
    pass
assert d["fwup_json"] == 1 and d["ok"] is True and d["authenticated"] is False
keys = [k["key"] for k in d["envelope"]["keys"]]
assert keys == [2, 3, "#dependency-manifest"], keys
assert d["envelope"]["keys"][2]["size"] == 247
m = d["manifest"]
assert m["manifest-sequence-number"] == 1
assert m["manifest-component-id"] == ["'dependent-manifest.suit'"]
assert m["common"]["components"] == [["'decrypted-firmware'"]]
cmds = [c["command"] for c in m["sequences"]["install"]["commands"]]
assert cmds == ["directive-set-component-index", "directive-override-parameters",
                "directive-set-component-index", "directive-override-parameters",
                "directive-fetch", "condition-dependency-integrity",
                "directive-process-dependency"], cmds
assert d["authentication-wrapper"]["blocks"][0]["alg_name"] == "ESP256"
PY
# untrusted text is escaped: an envelope with a control character in a text key
python3 - "$V/draft37/example0.suit" "$T/esc.suit" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[2] = 0xa3
b += b"\x63#\x1b[" + b"\x41\x00"
open(sys.argv[2], "wb").write(b)
PY
expect_exit 0 "$FWUP" show "$T/esc.suit"
expect_out 'key: #\\x1b\['
grep -q $'\x1b' "$T/out" && fail "raw escape byte on stdout"
# malformed input: exit 3 with the error, the parsed parts still shown
head -c 150 "$V/draft37/example0.suit" >"$T/trunc.suit"
expect_exit 3 "$FWUP" show "$T/trunc.suit"
expect_err "\[FWUP_E_CBOR_TRUNCATED\]"
done_testing
