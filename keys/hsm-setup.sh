#!/bin/sh
# keys/hsm-setup.sh DIR : a SoftHSM2 token for tests and the demo, kept under DIR.
#
# USAGE
#   eval "$(keys/hsm-setup.sh build/hsm)"      # creates build/hsm on the first call
#   eval "$(keys/hsm-setup.sh build/hsm)"      # later calls reuse it, same exports
#   fwup sign fw.suit -k "$FWUP_HSM_AUTHOR_URI" -o fw.signed.suit
#
# What it makes (once; a later call with the same DIR only prints the exports):
#   DIR/softhsm2.conf   directories.tokendir = DIR/tokens (never /var/lib/softhsm)
#   token "$FWUP_HSM_TOKEN" (default fwup-test), user PIN $FWUP_HSM_PIN, with
#     key pairs made on the token by pkcs11-tool (CKA_SIGN true):
#       id 01  label author      EC P-256
#       id 02  label operator    EC P-256
#       id 03  label author-ed   Ed25519
#       id 04  label author-384  EC P-384
#   DIR/.ready          written last: a DIR without it is a half-made token and
#                       is rebuilt from scratch on the next call.
#
# On stdout it prints only `export` lines, for eval:
#   SOFTHSM2_CONF SOFTHSM2_MODULE FWUP_PKCS11_MODULE FWUP_HSM_DIR FWUP_HSM_TOKEN
#   FWUP_HSM_PIN FWUP_HSM_AUTHOR_URI FWUP_HSM_OPERATOR_URI FWUP_HSM_ED25519_URI
#   FWUP_HSM_P384_URI
# The URIs carry no PIN: give it with FWUP_PKCS11_PIN="$FWUP_HSM_PIN", a
# pin-source= file, or the prompt. Keys are selected by id (pkcs11-tool's
# --label is not reliable for signing, see docs/hsm.md).
#
# Inputs (env, all optional):
#   FWUP_HSM_PIN      user PIN          (default 1234)
#   FWUP_HSM_SO_PIN   SO PIN            (default 5678)
#   FWUP_HSM_TOKEN    token label       (default fwup-test)
#   SOFTHSM2_MODULE   module path       (default: the first Debian path found)
#
# Demo and test keys only: the PINs are known, the token is a plain file.
# Never run two processes against one SoftHSM token at once: it rewrites its
# token file on every login (tests use one token per test binary and --jobs=1).
set -eu

dir=${1:?usage: hsm-setup.sh DIR}
pin=${FWUP_HSM_PIN:-1234}
so_pin=${FWUP_HSM_SO_PIN:-5678}
token=${FWUP_HSM_TOKEN:-fwup-test}

if [ -z "${SOFTHSM2_MODULE:-}" ]; then
    for m in /usr/lib/softhsm/libsofthsm2.so \
             /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
             /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
             /usr/local/lib/softhsm/libsofthsm2.so; do
        if [ -e "$m" ]; then SOFTHSM2_MODULE=$m; break; fi
    done
fi
[ -n "${SOFTHSM2_MODULE:-}" ] || { echo "hsm-setup: libsofthsm2.so not found (apt-get install softhsm2)" >&2; exit 1; }
command -v softhsm2-util >/dev/null || { echo "hsm-setup: softhsm2-util not found (apt-get install softhsm2)" >&2; exit 1; }
command -v pkcs11-tool >/dev/null || { echo "hsm-setup: pkcs11-tool not found (apt-get install opensc)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
SOFTHSM2_CONF=$dir/softhsm2.conf
export SOFTHSM2_CONF

if [ ! -f "$dir/.ready" ]; then
    # Absent or half-made (an earlier run was interrupted): start clean, so a
    # token never exists without its keys.
    rm -rf "$dir/tokens" "$dir/softhsm2.conf"
    mkdir -p "$dir/tokens"
    chmod 700 "$dir/tokens"
    cat > "$SOFTHSM2_CONF" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
slots.mechanisms = ALL
library.reset_on_fork = false
EOF
    # softhsm2-util prints "The token has been initialized and is reassigned
    # to slot N" on stdout; stdout carries only the exports.
    softhsm2-util --init-token --free --label "$token" \
        --so-pin "$so_pin" --pin "$pin" >&2

    gen() { # label id key-type
        pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label "$token" \
            --login --pin "$pin" --keypairgen --key-type "$3" \
            --label "$1" --id "$2" --usage-sign >&2
    }
    gen author     01 EC:prime256v1
    gen operator   02 EC:prime256v1
    gen author-ed  03 EC:edwards25519
    gen author-384 04 EC:secp384r1
    : > "$dir/.ready"
else
    echo "hsm-setup: reusing the token in $dir" >&2
fi

cat <<EOF
export SOFTHSM2_CONF='$SOFTHSM2_CONF'
export SOFTHSM2_MODULE='$SOFTHSM2_MODULE'
export FWUP_PKCS11_MODULE='$SOFTHSM2_MODULE'
export FWUP_HSM_DIR='$dir'
export FWUP_HSM_TOKEN='$token'
export FWUP_HSM_PIN='$pin'
export FWUP_HSM_AUTHOR_URI='pkcs11:token=$token;id=%01;type=private'
export FWUP_HSM_OPERATOR_URI='pkcs11:token=$token;id=%02;type=private'
export FWUP_HSM_ED25519_URI='pkcs11:token=$token;id=%03;type=private'
export FWUP_HSM_P384_URI='pkcs11:token=$token;id=%04;type=private'
EOF
