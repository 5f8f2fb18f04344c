#!/bin/bash
# fwup show names each text-keyed envelope member by what the manifest does
# with it: "integrated-dependency" when a sequence sets uri "#key" on an
# index listed in common.dependencies, else "integrated-payload".
. "$(dirname "$0")/../lib.sh"
K=$SRCDIR/keys
IDENT='"identity": {"vendor-domain": "fwup.example", "model": "sim-board-1"}'
cp "$SRCDIR/device-sim/example/firmware-v2.bin" "$T/fw.bin"
cp "$SRCDIR/device-sim/example/firmware-v2.bin" "$T/cfg.bin"
cd "$T" || exit 1

# label FILE KEY WANT: fwup show --json gives envelope member KEY name WANT.
label() {
    checks=$((checks + 1))
    "$FWUP" show --json "$1" >show.json 2>show.err || { fail "show $1"; return; }
    got=$(jq -r --arg k "$2" '[.envelope.keys[] | select(.key == $k) | .name] | join(",")' show.json)
    [ "$got" = "$3" ] || fail "$1: member '$2' is '$got', expected '$3'"
}

# The draft's encryption example: "#dependency-manifest" is the uri of
# index 1, a dependency.
label "$VECTORS/encryption/suit-manifest-es-ecdh-dependency.suit" "#dependency-manifest" \
    integrated-dependency

# An integrated image: a payload.
cat >app.json <<JSON
{ "sequence-number": 2, $IDENT,
  "components": [ { "id": ["flash", "app"], "image": { "file": "fw.bin" },
                    "integrated": "#fw.bin", "invoke": true } ] }
JSON
expect_exit 0 "$FWUP" create app.json -o app.u.suit
expect_exit 0 "$FWUP" sign app.u.suit -k "$K/demo-author.pem" -o app.suit
label app.suit "#fw.bin" integrated-payload

# Both in one root: its own integrated image on component 0 and the signed
# app envelope as an integrated dependency (index 1). Each gets its label.
cat >op.json <<JSON
{ "sequence-number": 3, $IDENT,
  "components": [ { "id": ["flash", "cfg"], "image": { "file": "cfg.bin" },
                    "integrated": "#cfg.bin" } ],
  "dependencies": [ { "name": "app", "envelope": "app.suit", "integrated": "#app.suit" } ] }
JSON
expect_exit 0 "$FWUP" create op.json -o op.suit
label op.suit "#cfg.bin" integrated-payload
label op.suit "#app.suit" integrated-dependency
# The text outline shows the same names.
expect_exit 0 "$FWUP" show op.suit
expect_out "^ *name: integrated-dependency$"
expect_out "^ *name: integrated-payload$"
checks=$((checks + 1))
[ "$(grep -c 'name: integrated-' "$T/out")" = 2 ] || fail "two integrated members expected"

done_testing
