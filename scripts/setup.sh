#!/bin/sh
# scripts/setup.sh [--no-demo] [--check]
#
# Installs what fwup needs on Debian 12 (only the packages that are missing),
# configures and builds ./build, then runs the end-to-end demo
# (scripts/demo.sh). Idempotent: a second run only rebuilds what changed.
#
#   --no-demo   stop after the build (scripts/test.sh and CI use this)
#   --check     install nothing: list the missing packages and exit 1 if
#               there are any (scripts/test.sh uses this to decide whether
#               to run the full setup)
#
# Runs as root (CI, the project's machines) or through sudo. The list and the
# flags are the checked recipe of the project's environment notes:
#   --no-install-recommends  gcc-arm-none-eabi would pull in ~1.6 GB of C++
#                            libraries, opensc the pcscd daemon;
#   DPkg::Lock::Timeout=300  wait for another apt on the same machine instead
#                            of failing at once with "Could not get lock".
set -eu
cd "$(dirname "$0")/.."

demo=1
check=0
for a in "$@"; do
    case "$a" in
    --no-demo) demo=0 ;;
    --check) check=1 ;;
    -h | --help)
        sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "setup.sh: unknown option '$a'" >&2
        echo "try 'scripts/setup.sh --help'" >&2
        exit 2
        ;;
    esac
done

# build: compilers, meson; libraries: OpenSSL 3, libcbor, jansson, p11-kit,
# Criterion; HSM: SoftHSM2 + pkcs11-tool (opensc) + the p11-kit proxy;
# Cortex-M report: arm-none-eabi-gcc + newlib; checks: valgrind, clang with
# libFuzzer (libclang-rt-14-dev), AFL++; test helpers: python3 with cbor2 and
# cryptography (independent cross-checks of our CBOR and COSE output).
PKGS="build-essential meson ninja-build pkg-config python3
      libssl-dev libcbor-dev libjansson-dev libp11-kit-dev p11-kit p11-kit-modules libcriterion-dev
      softhsm2 opensc
      gcc-arm-none-eabi libnewlib-arm-none-eabi
      valgrind clang libclang-rt-14-dev afl++
      python3-cbor2 python3-cryptography"

missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done

if [ "$check" = 1 ]; then
    if [ -n "$missing" ]; then
        echo "missing packages:$missing"
        exit 1
    fi
    echo "all packages installed"
    exit 0
fi

if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    SUDO=
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "setup: not root and no sudo: install$missing" >&2; exit 1; }
        SUDO=sudo
    fi
    # apt-get update only when something is missing (it needs the network and
    # takes a few seconds); noninteractive because CI has no stdin.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    # shellcheck disable=SC2086 # one word per package
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends $missing
fi

if [ ! -f build/build.ninja ]; then
    meson setup build
fi
ninja -C build

if [ "$demo" = 1 ]; then
    scripts/demo.sh build
fi
