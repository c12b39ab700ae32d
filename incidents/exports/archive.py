"""ZIP files whose every file is listed with its SHA-256 in a `manifest.json`, signed with the
school's Ed25519 key (`manifest.sig`), and checking one.

A bundle and a subject access export are such ZIPs; `python manage.py verify_bundle FILE.zip`
checks the signature against the school's public key (the installation's own, or one given),
says who signed, and whether every file still matches the manifest, naming each one that does not.
Anyone could rebuild a manifest of plain hashes; only the holder of the key can sign one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from incidents import keys

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


class ManifestZip:
    """A ZIP being written to a temporary file; `close()` adds the manifest and returns the file."""

    def __init__(self, about: dict[str, Any]) -> None:
        self.file = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115  (`close()` hands it over)
        self.zip = zipfile.ZipFile(self.file, "w", compression=zipfile.ZIP_DEFLATED)
        self.about = about
        self.entries: list[dict[str, Any]] = []

    def add(self, path: str, content: bytes) -> str:
        """Add `content` at `path` (made unique); returns the path used."""
        taken = {entry["path"] for entry in self.entries}
        stem, dot, suffix = path.rpartition(".") if "." in path.rsplit("/", 1)[-1] else (path, "", "")
        candidate, number = path, 2
        while candidate in taken or candidate in (MANIFEST, SIGNATURE):
            candidate = f"{stem}-{number}{dot}{suffix}"
            number += 1
        self.zip.writestr(candidate, content)
        self.entries.append({"path": candidate, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)})
        return candidate

    def close(self) -> tuple[IO[bytes], str, int]:
        """Write the manifest and finish: the file (at its start), its SHA-256 and its size."""
        manifest = {**self.about, "algorithm": "sha256", "files": self.entries}
        encoded = json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()
        self.zip.writestr(MANIFEST, encoded)
        self.zip.writestr(SIGNATURE, json.dumps(manifest_signature(encoded, self.about.get("school", "")), indent=2,
                                                ensure_ascii=False))
        self.zip.close()
        self.file.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := self.file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        self.file.seek(0)
        return self.file, digest.hexdigest(), size


def manifest_signature(manifest: bytes, school: str) -> dict[str, str]:
    """The signature of `manifest` with the school's key: who signed, their public key and its fingerprint."""
    key = keys.signing_key()
    public = key.public_key()
    return {"algorithm": "Ed25519", "signed": MANIFEST, "signer": settings.SIGNER_NAME or school,
            "public_key": base64.b64encode(keys.public_key_bytes(public)).decode(),
            "fingerprint": keys.fingerprint(public),
            "signature": base64.b64encode(key.sign(manifest)).decode()}


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    signer: str = ""
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _signature_problem(archive: zipfile.ZipFile, manifest: bytes, trusted: Ed25519PublicKey,
                       result: Verification) -> str:
    """What is wrong with the manifest's signature, in words, or "" if the trusted key signed it."""
    try:
        signature = json.loads(archive.read(SIGNATURE))
        public = keys.public_key_from_text(signature["public_key"])
        signed = base64.b64decode(signature["signature"], validate=True)
    except KeyError:
        return (f"{SIGNATURE}: missing: the bundle is not signed, so nothing shows who made it "
                "(made before bundles were signed, or its signature removed)")
    except (*DAMAGED, TypeError, binascii.Error) as problem:
        return f"{SIGNATURE}: damaged ({problem})"
    result.signer, result.fingerprint = str(signature.get("signer", "")), keys.fingerprint(public)
    if keys.public_key_bytes(public) != keys.public_key_bytes(trusted):
        return (f"{SIGNATURE}: signed with a key that is not the school's (its fingerprint is {result.fingerprint}; "
                f"the school's is {keys.fingerprint(trusted)})")
    if not keys.signature_valid(public, signed, manifest):
        return f"{MANIFEST}: changed after it was signed: its signature does not match"
    return ""


# What reading a changed member of a ZIP may raise: a bad CRC, a stream that no longer inflates, a
# manifest that is no longer JSON, a truncated file.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def archive_verify(path_or_file: str | os.PathLike[str] | IO[bytes],
                   public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check the manifest's signature against `public_key` (default: this installation's signing
    key), then every file of the ZIP against the manifest: a bad signature and missing, changed,
    damaged or unlisted files are each named in `problems`; `signer` and `fingerprint` say who signed."""
    result = Verification()
    trusted = public_key or keys.signing_key().public_key()
    try:
        archive = zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as problem:
        result.problems.append(f"not a readable ZIP file ({problem})")
        return result
    with archive:
        try:
            encoded = archive.read(MANIFEST)
            manifest = json.loads(encoded)
            listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        except KeyError:
            result.problems.append(f"{MANIFEST}: missing or incomplete")
            return result
        except DAMAGED as problem:
            result.problems.append(f"{MANIFEST}: damaged ({problem})")
            return result
        if unsigned := _signature_problem(archive, encoded, trusted, result):
            result.problems.append(unsigned)
        present = set(archive.namelist()) - {MANIFEST, SIGNATURE}
        for path, expected in listed.items():
            if path not in present:
                result.problems.append(f"{path}: listed in the manifest but missing")
                continue
            try:
                digest = hashlib.sha256(archive.read(path)).hexdigest()
            except DAMAGED as problem:
                result.problems.append(f"{path}: damaged ({problem})")
                continue
            result.checked += 1
            if digest != expected:
                result.problems.append(f"{path}: does not match its SHA-256 in the manifest")
        for path in sorted(present - set(listed)):
            result.problems.append(f"{path}: not listed in the manifest")
    return result
