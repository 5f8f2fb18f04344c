#!/bin/bash
# fwup create on bad descriptions: one line naming the file, line:column,
# the JSON path and the error name; exit 3; no output file left behind, and
# an existing output file is not touched.
. "$(dirname "$0")/../lib.sh"

IDENT='"identity": {"vendor-domain": "arm.com", "model": "suit"}'
DIG='"00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"'
C0='{"id": [{"hex": "00"}], "image": {"digest": '$DIG', "size": 1}'

# bad NAME CODE PATH-REGEX POSITION-REGEX : write $T/NAME.json from stdin, run
# create, check exit 3, the one error line and that no output appeared.
bad() {
    name=$1 code=$2 path=$3 pos=$4
    cat >"$T/$name.json"
    expect_exit 3 "$FWUP" create "$T/$name.json" -o "$T/$name.suit"
    expect_err "^fwup: error: '[^']*$name.json':$pos: .* \($path\) \[FWUP_E_$code\]$"
    checks=$((checks + 1))
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$name: more than one line on stderr"
    expect_no_file "$T/$name.suit"
}

bad unknown-key DESC_UNKNOWN_KEY '\$\.colour' '3:13' <<EOF2
{
  "sequence-number": 1,
  "colour": "blue"
}
EOF2
expect_err "unknown key 'colour'"

bad wrong-type DESC_TYPE '\$\.components\[0\]\.id' '3:25' <<EOF2
{
  "sequence-number": 1, $IDENT,
  "components": [{"id": "00"}]
}
EOF2
expect_err "expected an array"

bad duplicate DESC_DUPLICATE_KEY '\$\.sequence-number' '3:3' <<EOF2
{
  "sequence-number": 1,
  "sequence-number": 2
}
EOF2

bad syntax DESC_SYNTAX '\$\.identity' '2:42' <<EOF2
{"sequence-number": 1,
 "identity": {"vendor-domain": "arm.com",}}
EOF2

bad missing-file DESC_FILE '\$\.components\[0\]\.image\.file' '4:23' <<EOF2
{
  "sequence-number": 1, $IDENT,
  "components": [{"id": ["a"],
    "image": {"file": "no-such-image.bin"}}]
}
EOF2
expect_err "no-such-image.bin"

# An image file that exists but cannot be read (a directory).
mkdir -p "$T/adir"
bad unreadable-file DESC_FILE '\$\.components\[0\]\.image\.file' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [{"id": ["a"], "image": {"file": "adir"}}]}
EOF2

bad one-slot DESC_CONFLICT '\$\.components\[0\]\.slots' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [{"id": ["a"],
  "slots": [{"image": {"digest": $DIG, "size": 1}, "uri": "http://x/1"}]}]}
EOF2
expect_err "at least two slots"

bad severable-absent DESC_CONFLICT '\$\.severable\[1\]' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0, "uri": "http://x"}],
 "severable": ["install", "payload-fetch"]}
EOF2

bad integrated-and-uri DESC_CONFLICT '\$\.components\[0\]\.integrated' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0, "uri": "http://x", "integrated": "#x"}]}
EOF2

bad integrated-without-file DESC_MISSING '\$\.components\[0\]\.integrated' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0, "integrated": "#x"}]}
EOF2

bad no-identity DESC_MISSING '\$' '1:1' <<EOF2
{"sequence-number": 1, "components": [$C0}]}
EOF2

bad rule-param-unset DESC_RULE '\$\.sequences\.install\[0\]' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0}],
 "sequences": {"install": [{"fetch": 2}]}}
EOF2
expect_err "needs parameter uri"

bad rule-shared-directive DESC_RULE '\$\.components\[0\]\.extra\.shared\[0\]' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0, "extra": {"shared": [{"invoke": 2}]}}]}
EOF2

bad rule-set-index DESC_RULE '\$\.sequences\.invoke\[0\]' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0}, {"id": ["b"]}],
 "sequences": {"invoke": [{"invoke": 2}]}}
EOF2

bad staging-busy DESC_CONFLICT '\$\.components\[0\]\.staging' '[0-9]+:[0-9]+' <<EOF2
{"sequence-number": 1, $IDENT, "components": [$C0, "uri": "http://x", "staging": "s"},
 {"name": "s", "id": ["s"], "image": {"digest": $DIG, "size": 1}}]}
EOF2

# A failed create leaves an existing output file as it was.
echo "keep me" >"$T/existing.suit"
cp "$T/existing.suit" "$T/existing.orig"
printf '{"sequence-number": true}' >"$T/t.json"
expect_exit 3 "$FWUP" create "$T/t.json" -o "$T/existing.suit"
expect_same "$T/existing.suit" "$T/existing.orig"

# The description itself missing is an I/O error (4); usage errors are 2.
expect_exit 4 "$FWUP" create "$T/nope.json" -o "$T/x.suit"
expect_err "FWUP_E_IO_OPEN"
expect_exit 2 "$FWUP" create "$T/t.json"
expect_exit 2 "$FWUP" create -o "$T/x.suit"
expect_exit 0 "$FWUP" create --help
expect_out "usage: fwup create"
done_testing
