#!/usr/bin/env python3
"""Independent check of SUIT envelope signatures with python3-cryptography.

usage: cose_check.py ENVELOPE.suit PUBKEY.pem [PUBKEY.pem ...]

Decodes the envelope with the small CBOR reader below (no project code),
rebuilds each COSE_Sign1 Sig_structure (RFC 9052 section 4.4:
["Signature1", body_protected, external_aad = h'', payload]) where the
detached payload is the SUIT_Digest bstr of the authentication wrapper
(draft-ietf-suit-manifest-37 section 8.3), and verifies it with every key.
Prints one line per block, "block N: verified by KEYFILE (alg A)", and exits
0 only if every given key verified exactly one block.
"""
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def cbor(b, i=0):
    """Decode one CBOR item at b[i:]; return (value, next index)."""
    ib = b[i]
    mt, ai = ib >> 5, ib & 31
    i += 1
    if ai < 24:
        n = ai
    elif ai in (24, 25, 26, 27):
        w = 1 << (ai - 24)
        n = int.from_bytes(b[i:i + w], "big")
        i += w
    else:
        raise ValueError("indefinite or reserved length at %d" % (i - 1))
    if mt == 0:
        return n, i
    if mt == 1:
        return -1 - n, i
    if mt in (2, 3):
        v = bytes(b[i:i + n])
        return (v if mt == 2 else v.decode()), i + n
    if mt == 4:
        out = []
        for _ in range(n):
            v, i = cbor(b, i)
            out.append(v)
        return out, i
    if mt == 5:
        out = {}
        for _ in range(n):
            k, i = cbor(b, i)
            v, i = cbor(b, i)
            out[k] = v
        return out, i
    if mt == 6:
        v, i = cbor(b, i)
        return ("tag", n, v), i
    if mt == 7 and ai == 22:
        return None, i
    raise ValueError("unsupported CBOR major type %d" % mt)


def head(mt, n):
    if n < 24:
        return bytes([mt << 5 | n])
    for ai, w in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < (1 << (8 * w)):
            return bytes([mt << 5 | ai]) + n.to_bytes(w, "big")


def bstr(v):
    return head(2, len(v)) + v


def sig_structure(protected, payload):
    ctx = b"Signature1"
    return head(4, 4) + head(3, len(ctx)) + ctx + bstr(protected) + bstr(b"") + bstr(payload)


def verify(pub, alg, msg, sig):
    try:
        if isinstance(pub, ed25519.Ed25519PublicKey):
            if alg not in (-8, -19):
                return False
            pub.verify(sig, msg)
        else:
            h = {-7: hashes.SHA256(), -9: hashes.SHA256(),
                 -35: hashes.SHA384(), -51: hashes.SHA384()}.get(alg)
            if h is None:
                return False
            n = len(sig) // 2
            der = encode_dss_signature(int.from_bytes(sig[:n], "big"),
                                       int.from_bytes(sig[n:], "big"))
            pub.verify(der, msg, ec.ECDSA(h))
        return True
    except InvalidSignature:
        return False


def main():
    env, _ = cbor(open(sys.argv[1], "rb").read())
    if isinstance(env, tuple):  # SUIT_Envelope_Tagged (107)
        env = env[2]
    auth, _ = cbor(env[2])           # suit-authentication-wrapper, bstr .cbor
    digest_bstr = auth[0]            # bstr .cbor SUIT_Digest: the detached payload
    keys = [(p, serialization.load_pem_public_key(open(p, "rb").read()))
            for p in sys.argv[2:]]
    used = {p: 0 for p, _ in keys}
    for n, block in enumerate(auth[1:]):
        s1, _ = cbor(block)
        if isinstance(s1, tuple):    # COSE_Sign1_Tagged (18)
            s1 = s1[2]
        protected, _unprot, payload, sig = s1
        assert payload is None, "payload must be detached"
        alg = cbor(protected)[0][1]
        msg = sig_structure(protected, digest_bstr)
        for p, k in keys:
            if verify(k, alg, msg, sig):
                used[p] += 1
                print("block %d: verified by %s (alg %d)" % (n, p, alg))
    bad = [p for p, c in used.items() if c != 1]
    if bad:
        print("not verified exactly once: " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
