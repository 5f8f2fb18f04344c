#!/usr/bin/env python3
"""Independent check of fwup's signing output (python3-cbor2 + python3-cryptography).

Nothing here shares code with fwup: the envelope is decoded with cbor2, the
manifest digest recomputed, the COSE Sig_structure / MAC_structure rebuilt from
RFC 9052 and the signature verified with `cryptography`.

usage: cose_check.py ENVELOPE (--pub PUB.pem | --hmac SECRET) [--block N] [--alg ID]
                     [--kid HEX | --no-kid]
       cose_check.py ENVELOPE --blocks            (print the number of blocks)
       cose_check.py ENVELOPE --block-bytes N     (hex of block N's encoded bytes)
Exit 0 when block N (default: the last) verifies and every other check holds.
"""
import argparse
import hashlib
import hmac
import sys

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.exceptions import InvalidSignature

ALG = {-7: ("ec", hashes.SHA256, 32), -9: ("ec", hashes.SHA256, 32),
       -35: ("ec", hashes.SHA384, 48), -51: ("ec", hashes.SHA384, 48),
       -8: ("ed", None, 0), -19: ("ed", None, 0), 5: ("mac", None, 0)}


def die(msg):
    print("cose_check: " + msg, file=sys.stderr)
    sys.exit(1)


def cose_key_thumbprint(pub):
    """RFC 9679 thumbprint, computed independently with cbor2 canonical encoding."""
    if isinstance(pub, ed25519.Ed25519PublicKey):
        x = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        key = {1: 1, -1: 6, -2: x}
    else:
        nums = pub.public_numbers()
        size = (pub.curve.key_size + 7) // 8
        crv = {256: 1, 384: 2}[pub.curve.key_size]
        key = {1: 2, -1: crv, -2: nums.x.to_bytes(size, "big"), -3: nums.y.to_bytes(size, "big")}
    return hashlib.sha256(cbor2.dumps(key, canonical=True)).digest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("envelope")
    ap.add_argument("--pub")
    ap.add_argument("--hmac")
    ap.add_argument("--block", type=int, default=-1)
    ap.add_argument("--alg", type=int)
    ap.add_argument("--kid")
    ap.add_argument("--no-kid", action="store_true")
    ap.add_argument("--blocks", action="store_true")
    ap.add_argument("--block-bytes", type=int)
    a = ap.parse_args()

    raw = open(a.envelope, "rb").read()
    env = cbor2.loads(raw)
    if isinstance(env, cbor2.CBORTag):
        if env.tag != 107:
            die("tag %d is not 107" % env.tag)
        env = env.value
    wrapper = cbor2.loads(env[2])
    digest_bstr = wrapper[0]
    blocks = wrapper[1:]
    if a.blocks:
        print(len(blocks))
        return
    if a.block_bytes is not None:
        print(blocks[a.block_bytes].hex())
        return

    # TOCTOU check, independently: SHA-256 over the key-3 bstr WITH its head.
    digest = cbor2.loads(digest_bstr)
    manifest_item = cbor2.dumps(env[3])
    if digest[0] != -16 or hashlib.sha256(manifest_item).digest() != digest[1]:
        die("manifest digest does not match wrapper[0]")

    if not blocks:
        die("no authentication block")
    blk = cbor2.loads(blocks[a.block])
    if not isinstance(blk, cbor2.CBORTag) or blk.tag not in (17, 18):
        die("block is not COSE_Sign1/COSE_Mac0")
    prot_b, unprot, payload, sig = blk.value
    if payload is not None:
        die("payload is not detached (nil)")
    prot = cbor2.loads(prot_b)
    if set(prot) != {1}:
        die("protected header is not exactly {1: alg}: %r" % prot)
    alg = prot[1]
    if a.alg is not None and alg != a.alg:
        die("alg %d, expected %d" % (alg, a.alg))
    if alg not in ALG:
        die("unknown alg %d" % alg)
    kind, hmod, coord = ALG[alg]
    # Sig_structure / MAC_structure: payload = content of wrapper[0], one bstr.
    ctx = "MAC0" if kind == "mac" else "Signature1"
    if (blk.tag == 17) != (kind == "mac"):
        die("tag %d does not fit alg %d" % (blk.tag, alg))
    tbs = cbor2.dumps([ctx, prot_b, b"", digest_bstr])

    kid = unprot.get(4)
    if a.no_kid and kid is not None:
        die("unexpected kid")
    if a.kid is not None and (kid is None or kid.hex() != a.kid):
        die("kid %s, expected %s" % (kid.hex() if kid else None, a.kid))

    if kind == "mac":
        key = open(a.hmac, "rb").read()
        if not hmac.compare_digest(hmac.new(key, tbs, hashlib.sha256).digest(), sig):
            die("MAC does not verify")
        print("ok MAC0 alg=%d" % alg)
        return
    pub = serialization.load_pem_public_key(open(a.pub, "rb").read())
    if a.kid is None and not a.no_kid and kid is not None and kid != cose_key_thumbprint(pub):
        die("kid is not the RFC 9679 thumbprint of the public key")
    try:
        if kind == "ed":
            if not isinstance(pub, ed25519.Ed25519PublicKey):
                die("alg %d needs an Ed25519 key" % alg)
            pub.verify(sig, tbs)
        else:
            if len(sig) != 2 * coord:
                die("ECDSA signature is %d bytes, expected %d" % (len(sig), 2 * coord))
            r = int.from_bytes(sig[:coord], "big")
            s = int.from_bytes(sig[coord:], "big")
            pub.verify(encode_dss_signature(r, s), tbs, ec.ECDSA(hmod()))
    except InvalidSignature:
        die("signature does not verify")
    print("ok Sign1 alg=%d kid=%s" % (alg, kid.hex() if kid else "-"))


if __name__ == "__main__":
    main()
