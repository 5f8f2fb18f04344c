#!/bin/bash
# Author + operator co-signing: the operator's `fwup sign` keeps the author's
# block and every byte outside the authentication wrapper identical.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHECK="$(dirname "$0")/cose_check.py"
IN="$VECTORS/draft37/example2-severed-unsigned.suit"

expect_exit 0 "$FWUP" sign "$IN" -k "$VECTORS/keys/key-a-priv.pem" -o "$T/author.suit"
expect_exit 0 "$FWUP" sign "$T/author.suit" -k "$VECTORS/keys/key-b-priv.pem" -o "$T/both.suit"

# The manifest (everything after the wrapper) is a common suffix of all three.
# Measure precisely: the suffix after the wrapper = file size minus (prefix+wrapper).
suffix_len() { "$PY" -c '
import sys, cbor2
raw = open(sys.argv[1], "rb").read()
env = cbor2.loads(raw).value
print(len(cbor2.dumps(env[3])) + 1)  # the key 3 byte plus the manifest bstr
' "$1"; }
n=$(suffix_len "$IN")
checks=$((checks + 1))
cmp -s <(tail -c "$n" "$IN") <(tail -c "$n" "$T/both.suit") || fail "manifest bytes changed"
# The 3-byte prefix (tag 107, map head) is unchanged.
checks=$((checks + 1))
cmp -s -n 3 "$IN" "$T/both.suit" || fail "envelope prefix changed"

# The author's block is byte-identical in the co-signed envelope.
checks=$((checks + 1))
a1=$("$PY" "$CHECK" "$T/author.suit" --block-bytes 0)
b1=$("$PY" "$CHECK" "$T/both.suit" --block-bytes 0)
[ -n "$a1" ] && [ "$a1" = "$b1" ] || fail "author block changed"
checks=$((checks + 1))
[ "$("$PY" "$CHECK" "$T/both.suit" --blocks)" = 2 ] || fail "expected 2 blocks"

# Both blocks verify independently, each with its own key only.
for b in 0:a 1:b; do
    checks=$((checks + 1))
    "$PY" "$CHECK" "$T/both.suit" --block "${b%%:*}" --pub "$VECTORS/keys/key-${b#*:}-pub.pem" >/dev/null 2>&1 \
        || fail "block ${b%%:*} does not verify with key ${b#*:}"
done
checks=$((checks + 1))
"$PY" "$CHECK" "$T/both.suit" --block 1 --pub "$VECTORS/keys/key-a-pub.pem" >/dev/null 2>&1 \
    && fail "operator block verified with the author key"

# Co-signing a draft-37 example signed upstream keeps its ES256 block too.
expect_exit 0 "$FWUP" sign "$VECTORS/draft37/example0.suit" -k "$VECTORS/keys/key-b-priv.pem" -o "$T/ex0b.suit"
checks=$((checks + 1))
[ "$("$PY" "$CHECK" "$VECTORS/draft37/example0.suit" --block-bytes 0)" = "$("$PY" "$CHECK" "$T/ex0b.suit" --block-bytes 0)" ] \
    || fail "upstream block changed"

done_testing
