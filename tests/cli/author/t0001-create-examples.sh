#!/bin/bash
# fwup create: the high-level descriptions of draft-37 examples 0-5 give the
# published envelopes byte for byte (the key acceptance test of authoring).
. "$(dirname "$0")/../lib.sh"
D=$VECTORS/draft37

for n in 0 1 3 4 5; do
    expect_exit 0 "$FWUP" create "$D/example$n.json" -o "$T/ex$n.suit"
    expect_same "$T/ex$n.suit" "$D/example$n-unsigned.suit"
done

# Example 2 is published signed and with its severable elements: the severed
# unsigned form compares whole, created with --sever ...
expect_exit 0 "$FWUP" create --sever "$D/example2.json" -o "$T/ex2s.suit"
expect_same "$T/ex2s.suit" "$D/example2-severed-unsigned.suit"
# ... and by severing the full one afterwards.
expect_exit 0 "$FWUP" create "$D/example2.json" -o "$T/ex2.suit"
expect_exit 0 "$FWUP" sever "$T/ex2.suit" -o "$T/ex2-sev.suit"
expect_same "$T/ex2-sev.suit" "$D/example2-severed-unsigned.suit"
# The full form carries the manifest and install/text members of the
# published example2.suit: its tail (manifest 3, install 20, text 23) equals
# the published file's tail after the (longer, signed) wrapper.
tail -c +46 "$T/ex2.suit" >"$T/ex2.tail"
tail -c +122 "$D/example2.suit" >"$T/pub2.tail"
expect_same "$T/ex2.tail" "$T/pub2.tail"
checks=$((checks + 1))
[ "$(wc -c <"$T/ex2.suit")" -eq $((923 - 76)) ] || fail "example 2 full form has the wrong size"

# Same description, same bytes; output to stdout works too.
expect_exit 0 "$FWUP" create "$D/example3.json" -o - 
expect_same "$T/out" "$D/example3-unsigned.suit"
done_testing
