#!/bin/bash
# fwup create with "dependencies" (draft-ietf-suit-trust-domains-11): an
# operator root manifest wrapping the author's signed envelope, integrated or
# fetched, with a use-before. Round trips through fwup verify / fwup show;
# bad dependency inputs: one error line, exit 3, no output file.
. "$(dirname "$0")/../lib.sh"
K=$SRCDIR/keys
IDENT='"identity": {"vendor-domain": "fwup.example", "model": "sim-board-1"}'
cp "$SRCDIR/device-sim/example/firmware-v2.bin" "$T/fw.bin"
cd "$T" || exit 1

cat >app.json <<EOF
{ "sequence-number": 2, $IDENT,
  "components": [ { "id": ["flash", "app"], "image": { "file": "fw.bin" },
                    "integrated": "#fw.bin", "invoke": true } ] }
EOF
expect_exit 0 "$FWUP" create app.json -o app.u.suit
expect_exit 0 "$FWUP" sign app.u.suit -k "$K/demo-author.pem" -o app.suit

# root NAME DEPENDENCY-OBJECT [EXTRA]: write NAME.json
root() {
    cat >"$1.json" <<EOF
{ "sequence-number": 3, $IDENT,
  "components": [ { "id": ["flash", "app"] } ],
  "dependencies": [ $2 ]${3:-} }
EOF
}

# Integrated, with a use-before; signed by the operator only.
root op '{ "name": "app", "envelope": "app.suit", "integrated": "#app.suit" }' \
    ', "use-before": 4102444800'
expect_exit 0 "$FWUP" create op.json -o op.u.suit
expect_exit 0 "$FWUP" create op.json -o op.u2.suit
expect_same op.u.suit op.u2.suit
expect_exit 0 "$FWUP" sign op.u.suit -k "$K/demo-operator.pem" -o op.suit
# The author's envelope travels byte for byte inside the root.
checks=$((checks + 1))
python3 -c 'import sys; a, r = (open(p, "rb").read() for p in sys.argv[1:]); sys.exit(a not in r)' \
    app.suit op.suit || fail "dependency not integrated verbatim"
expect_exit 0 "$FWUP" verify op.suit -t "operator=$K/demo-operator.pub.pem" --require operator
expect_out "verified: 'op.suit' \(operator\)"
# the root does not carry the author's signature: --require author says no
expect_exit 1 "$FWUP" verify op.suit -t "author=$K/demo-author.pub.pem" \
    -t "operator=$K/demo-operator.pub.pem" --require author,operator
expect_err POLICY_ROLE_MISSING
# a policy file with dependency_roles (the device's) verifies the root
cat >policy.json <<EOF
{ "fwup_policy": 1,
  "anchors": [ {"role": "author", "key": "$K/demo-author.pub.pem"},
               {"role": "operator", "key": "$K/demo-operator.pub.pem"} ],
  "require": ["operator"], "dependency_roles": ["author"] }
EOF
expect_exit 0 "$FWUP" verify op.suit --policy policy.json
sed 's/"dependency_roles": \["author"\]/"dependency_roles": "author"/' policy.json >badpol.json
expect_exit 3 "$FWUP" verify op.suit --policy badpol.json
expect_err 'dependency_roles'
# the dependency is verified on its own
expect_exit 0 "$FWUP" verify app.suit -t "author=$K/demo-author.pub.pem" --require author
# fwup show lists the dependency, its binding and the template sequences
expect_exit 0 "$FWUP" show op.suit
expect_out 'dependencies: \{1: \{1: \[h.617070.\]\}\}'
expect_out 'key: #app.suit'
expect_out 'condition-dependency-integrity'
expect_out 'directive-process-dependency'
expect_out 'use-before: 4102444800'
expect_out 'dependency-resolution:'
# the image digest in shared is the author's MANIFEST digest
"$FWUP" show app.suit --json >app.json.out 2>/dev/null || fail "show app.suit"
ADIG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["authentication-wrapper"]["digest"]["hex"])' app.json.out)
checks=$((checks + 1))
[ ${#ADIG} = 64 ] || fail "no manifest digest for app.suit"
expect_out "hex: $ADIG"
expect_exit 0 "$FWUP" show op.suit --json
checks=$((checks + 1))
jq -e '.' "$T/out" >/dev/null || fail "show --json is not JSON"

# A dependency with a severable element (the demo release severs its text):
# its digest is checked like the device does, and it is accepted.
expect_exit 0 "$FWUP" create "$SRCDIR/device-sim/example/release.json" -o demo.u.suit
expect_exit 0 "$FWUP" sign demo.u.suit -k "$K/demo-author.pem" -o demo.suit
root withtext '{ "envelope": "demo.suit", "integrated": "#demo" }'
expect_exit 0 "$FWUP" create withtext.json -o withtext.suit

# Fetched by URI: the dependency may still be unsigned (signing does not
# change its manifest digest, the binding).
root fetched '{ "envelope": "app.u.suit", "uri": "https://updates.example.com/app.suit" }'
expect_exit 0 "$FWUP" create fetched.json -o fetched.suit
checks=$((checks + 1))
grep -q 'https://updates.example.com/app.suit' fetched.suit || fail "uri missing"
checks=$((checks + 1))
! grep -q '#fw.bin' fetched.suit || fail "a fetched dependency was integrated"

# bad NAME DEPENDENCY-OBJECT CODE PATH MESSAGE: one line, exit 3, no output
bad() {
    root "$1" "$2"
    expect_exit 3 "$FWUP" create "$1.json" -o "$1.suit"
    expect_err "^fwup: error: '$1.json':[0-9]+:[0-9]+: .*$5.* \($4\) \[FWUP_E_$3\]$"
    checks=$((checks + 1))
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: more than one line on stderr"
    checks=$((checks + 1))
    [ ! -s "$T/out" ] || fail "$1: output on stdout"
    expect_no_file "$T/$1.suit"
}
bad missing '{ "envelope": "nope.suit", "integrated": "#a" }' \
    DESC_FILE '\$\.dependencies\[0\]\.envelope' 'cannot open dependency'
bad not-envelope '{ "envelope": "fw.bin", "integrated": "#a" }' \
    DESC_VALUE '\$\.dependencies\[0\]\.envelope' 'is not a SUIT envelope'
python3 - app.suit tampered-app.suit <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(bytes([0x01, 0x01, 0x02, 0x02]))   # manifest-version 1, sequence-number 2
d[i + 3] = 0x09
open(sys.argv[2], "wb").write(d)
PY
bad tampered '{ "envelope": "tampered-app.suit", "integrated": "#a" }' \
    DESC_VALUE '\$\.dependencies\[0\]\.envelope' 'does not match the digest'
# an integrated dependency under the key of the root's own payload
cat >collision.json <<EOF
{ "sequence-number": 3, $IDENT,
  "components": [ { "id": ["flash", "app"], "image": { "file": "fw.bin" },
                    "integrated": "#fw.bin" } ],
  "dependencies": [ { "envelope": "app.suit", "integrated": "#fw.bin" } ] }
EOF
expect_exit 3 "$FWUP" create collision.json -o collision.suit
expect_err "already the key of an integrated payload .*\(\\\$\.dependencies\[0\]\.integrated\) \[FWUP_E_DESC_CONFLICT\]$"
expect_no_file "$T/collision.suit"
bad unsigned '{ "envelope": "app.u.suit", "integrated": "#a" }' \
    DESC_VALUE '\$\.dependencies\[0\]\.envelope' 'not signed'
# an existing output file is left alone by a failed create
echo keep >kept.suit
root keep '{ "envelope": "nope.suit", "integrated": "#a" }'
expect_exit 3 "$FWUP" create keep.json -o kept.suit
checks=$((checks + 1))
[ "$(cat kept.suit)" = keep ] || fail "failed create touched the existing output"
done_testing
