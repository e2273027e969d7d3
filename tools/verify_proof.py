#!/usr/bin/env python3
"""Check a zhifa ledger proof without trusting the platform. Standard library only.

    curl -o proof.json "https://<平台>/api/v1/public/ledger/proof?entry=42"
    python3 verify_proof.py proof.json        (or: ... | python3 verify_proof.py -)

Checks (each printed): the entry's content gives its leaf hash; the leaf is included in the signed
tree (RFC 9162 §2.1.3.2); the signed message names that size and root; the Ed25519 signature on the
tree head is valid (RFC 8032 §5.1.7, implemented below). Exit 0 when all hold, 1 otherwise.
`--self-test` checks the Ed25519 code against RFC 8032 test vector 1.
"""

import hashlib
import json
import sys

# --- Ed25519 verification (RFC 8032 §5.1) -------------------------------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960
BASE = (BX, BY, 1, BX * BY % P)  # extended coordinates (X, Y, Z, T)
IDENTITY = (0, 1, 1, 0)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, p):
    q = IDENTITY
    while s:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def _decode_point(s):
    """§5.1.3; None when the bytes are not a point."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def ed25519_verify(public_key, signature, message):
    """§5.1.7: [S]B == R + [k]A."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a, r = _decode_point(public_key), _decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    return _equal(_mul(s, BASE), _add(r, _mul(k, a)))


# --- RFC 9162 §2.1.3.2 --------------------------------------------------------------------------
def verify_inclusion(index, size, leaf, path, root, hash_name):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.new(hash_name, b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.new(hash_name, b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def check(proof):
    """Returns [(passed, Chinese description)]."""
    entry, path, head = proof["entry"], proof["proof"], proof["tree_head"]
    h = head["hash"]
    results = []
    leaf = hashlib.new(h, b"\x00" + entry["leaf_data"].encode("utf-8")).digest()
    results.append((leaf.hex() == entry["leaf_hash"], f"条目 #{entry['seq']} 的内容与其叶子哈希一致"))
    size = int(path["tree_size"])
    results.append((size == int(head["size"]), f"证明所对照的树大小与签名树头一致（{size}）"))
    included = verify_inclusion(int(path["leaf_index"]), size, leaf, [bytes.fromhex(x) for x in path["audit_path"]],
                                bytes.fromhex(head["root_hash"]), h)
    results.append((included, f"条目包含在大小为 {size} 的签名树中（RFC 9162 包含证明）"))
    try:
        signed = json.loads(head["signed_message"])
        names_head = signed.get("size") == int(head["size"]) and signed.get("root_hash") == head["root_hash"]
    except ValueError:
        names_head = False
    results.append((names_head, "签名内容正是该树头的大小与根哈希"))
    sig_ok = ed25519_verify(bytes.fromhex(head["public_key"]), bytes.fromhex(head["signature"]),
                            head["signed_message"].encode("utf-8"))
    results.append((sig_ok, f"树头签名有效（Ed25519，公钥 {head['public_key']}）"))
    return results


def main(argv):
    if argv[1:] == ["--self-test"]:
        ok = ed25519_verify(
            bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
            bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            b"",
        )
        print("自检通过" if ok else "自检失败")
        return 0 if ok else 1
    if len(argv) != 2:
        print(__doc__)
        return 2
    try:
        text = sys.stdin.read() if argv[1] == "-" else open(argv[1], encoding="utf-8").read()
        results = check(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"无法读取证明文件：{e}")
        return 1
    for passed, what in results:
        print(("✓ " if passed else "✗ ") + what)
    ok = all(p for p, _ in results)
    print("验证通过" if ok else "验证失败")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
