"""The two keys that make the records trustworthy against someone who can write to the database.

Both are kept outside the database (settings `AUDIT_KEY`/`AUDIT_KEY_FILE`, `SIGNING_KEY_FILE`: README,
"Running in production"):

- the audit key seals each case's timeline, the anchors that hold its length, and the chain of
  exports (HMAC-SHA256): without it, a rewritten or shortened record cannot be sealed again;
- the signing key (Ed25519) signs the manifest of every case bundle and subject access export, so
  whoever receives one can check that the school made it and nothing in it changed.

Without them, fixed development keys are used, only where `settings.DEV_KEYS` allows (DJANGO_DEBUG,
the tests, CASEWORK_DEV_KEYS=1); anywhere else the first use is refused, and `check --deploy` says so.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Public in this source, so they protect nothing: for development and the tests only.
DEV_AUDIT_KEY = b"casework development audit key: never in production"
DEV_SIGNING_SEED = hashlib.sha256(b"casework development signing key: never in production").digest()
MIN_AUDIT_KEY_BYTES = 32


class KeyMissing(ImproperlyConfigured):
    pass


def _configured_audit_key() -> bytes | None:
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    if settings.AUDIT_KEY_FILE:
        try:
            return Path(settings.AUDIT_KEY_FILE).read_bytes().strip()
        except OSError as problem:
            raise KeyMissing(f"The audit key file {settings.AUDIT_KEY_FILE} cannot be read ({problem.strerror}).") \
                from None
    return None


@functools.cache
def _audit_key(key: str, key_file: str, dev: bool) -> bytes:
    configured = _configured_audit_key()
    if configured is not None:
        if len(configured) < MIN_AUDIT_KEY_BYTES:
            raise KeyMissing(f"The audit key is too short: it needs at least {MIN_AUDIT_KEY_BYTES} characters.")
        return configured
    if dev:
        return DEV_AUDIT_KEY
    raise KeyMissing("Set CASEWORK_AUDIT_KEY_FILE (or CASEWORK_AUDIT_KEY): the audit trail cannot be sealed without "
                     "its key (README, \"Running in production\").")


def audit_key() -> bytes:
    """The secret that seals the audit trail (cached; a test that changes the settings gets its own)."""
    return _audit_key(settings.AUDIT_KEY, settings.AUDIT_KEY_FILE, settings.DEV_KEYS)


def seal(content: bytes) -> str:
    """HMAC-SHA256 of `content` with the audit key, in hex."""
    return hmac.new(audit_key(), content, hashlib.sha256).hexdigest()


def seal_matches(content: bytes, expected: str) -> bool:
    return hmac.compare_digest(seal(content), expected)


@functools.cache
def _signing_key(key_file: str, dev: bool) -> Ed25519PrivateKey:
    if key_file:
        try:
            key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
        except OSError as problem:
            raise KeyMissing(f"The signing key file {key_file} cannot be read ({problem.strerror}).") from None
        except (ValueError, TypeError):
            raise KeyMissing(f"The signing key file {key_file} is not an unencrypted PEM private key.") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyMissing(f"The signing key file {key_file} holds a key that is not Ed25519.")
        return key
    if dev:
        return Ed25519PrivateKey.from_private_bytes(DEV_SIGNING_SEED)
    raise KeyMissing("Set CASEWORK_SIGNING_KEY_FILE: bundles cannot be signed without the school's key "
                     "(README, \"Running in production\").")


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(settings.SIGNING_KEY_FILE, settings.DEV_KEYS)


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """How people compare keys: SHA256: then the first 32 hex digits of the key's SHA-256, in fours."""
    digest = hashlib.sha256(public_key_bytes(key)).hexdigest()[:32]
    return "SHA256:" + " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def public_key_from_text(text: str | bytes) -> Ed25519PublicKey:
    """A public key from a PEM file's text or the base64 of its 32 bytes; ValueError otherwise."""
    data = text.encode() if isinstance(text, str) else text
    if b"BEGIN" in data:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signature_valid(key: Ed25519PublicKey, signature: bytes, content: bytes) -> bool:
    try:
        key.verify(signature, content)
    except InvalidSignature:
        return False
    return True


def new_signing_key_pem() -> bytes:
    """A new Ed25519 private key, as the unencrypted PEM that CASEWORK_SIGNING_KEY_FILE holds."""
    return Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())


@checks.register(checks.Tags.security, deploy=True)
def keys_outside_the_database(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """`check --deploy`: both keys are set and readable, never the development ones."""
    problems: list[checks.CheckMessage] = []
    if not (settings.AUDIT_KEY or settings.AUDIT_KEY_FILE):
        problems.append(checks.Error(
            "No audit key: set CASEWORK_AUDIT_KEY_FILE to a file holding a long random secret.",
            hint="Without it the audit trail is sealed with the development key, which anyone can read in the "
                 "source, so a rewritten timeline could be sealed again.", id="casework.E001"))
    else:
        try:
            _audit_key.cache_clear()
            audit_key()
        except KeyMissing as problem:
            problems.append(checks.Error(str(problem), id="casework.E002"))
    if not settings.SIGNING_KEY_FILE:
        problems.append(checks.Error(
            "No signing key: set CASEWORK_SIGNING_KEY_FILE to the school's Ed25519 private key (PEM).",
            hint="Make one with `python manage.py signing_key --new FILE`.", id="casework.E003"))
    else:
        try:
            _signing_key.cache_clear()
            signing_key()
        except KeyMissing as problem:
            problems.append(checks.Error(str(problem), id="casework.E004"))
    return problems
