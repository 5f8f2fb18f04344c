# Helpers of the report tests (sourced after tests/cli/lib.sh and simlib.sh).

# json_valid SCHEMA: $T/out is one JSON document valid against
# schemas/cli/SCHEMA (when python3-jsonschema is installed).
json_valid() {
    checks=$((checks + 1))
    python3 - "$T/out" "$SRCDIR/schemas/cli/$1" >"$T/jv" 2>&1 <<'PY' || { fail "stdout is not a valid $1 document"; cat "$T/jv" >&2; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fwup_json"] == 1
try:
    import jsonschema
    jsonschema.validate(d, json.load(open(sys.argv[2])))
except ImportError:
    pass
PY
}

# jq_is FILTER WANT: jq FILTER on $T/out gives exactly WANT.
jq_is() {
    checks=$((checks + 1))
    got=$(jq -c "$1" "$T/out" 2>&1)
    [ "$got" = "$2" ] || fail "jq '$1': got '$got', want '$2'"
}
