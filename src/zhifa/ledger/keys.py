"""The tree-head signing key: Ed25519, in a PEM file outside the database (ZHIFA_LEDGER_KEY)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from zhifa.core.errors import DomainError


def key_path() -> Path:
    return Path(settings.ZHIFA_LEDGER_KEY)


def generate(*, overwrite: bool = False) -> Path:
    path = key_path()
    if path.exists() and not overwrite:
        raise DomainError(f"签名密钥已存在：{path}。如确需更换，请先备份旧密钥。", code="key_exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return path


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        raise DomainError(f"未找到账本签名密钥 {path}，请先运行 `zhifa ledger keygen`。", code="key_missing")
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_raw(key: Ed25519PublicKey | None = None) -> bytes:
    key = key or private_key().public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def verify_signature(public_raw_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_raw_hex)).verify(bytes.fromhex(signature_hex), message)
    except Exception:  # noqa: BLE001 — any failure to verify is "not valid"
        return False
    return True
