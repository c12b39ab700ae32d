"""ZIP files whose every file is listed with its SHA-256 in a `manifest.json`, and checking one.

A bundle and a subject access export are such ZIPs; `python manage.py verify_bundle FILE.zip`
says whether every file still matches the manifest, and names each one that does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

MANIFEST = "manifest.json"


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
        while candidate in taken or candidate == MANIFEST:
            candidate = f"{stem}-{number}{dot}{suffix}"
            number += 1
        self.zip.writestr(candidate, content)
        self.entries.append({"path": candidate, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)})
        return candidate

    def close(self) -> tuple[IO[bytes], str, int]:
        """Write the manifest and finish: the file (at its start), its SHA-256 and its size."""
        manifest = {**self.about, "algorithm": "sha256", "files": self.entries}
        self.zip.writestr(MANIFEST, json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        self.zip.close()
        self.file.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := self.file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        self.file.seek(0)
        return self.file, digest.hexdigest(), size


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def archive_verify(path_or_file: str | os.PathLike[str] | IO[bytes]) -> Verification:
    """Check every file of the ZIP against its manifest: missing, changed, damaged or unlisted files
    are each named in `problems`."""
    result = Verification()
    try:
        archive = zipfile.ZipFile(path_or_file)
    except (zipfile.BadZipFile, OSError) as problem:
        result.problems.append(f"not a readable ZIP file ({problem})")
        return result
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
        except KeyError:
            result.problems.append(f"{MANIFEST}: missing or incomplete")
            return result
        except (zipfile.BadZipFile, ValueError) as problem:
            result.problems.append(f"{MANIFEST}: damaged ({problem})")
            return result
        present = set(archive.namelist()) - {MANIFEST}
        for path, expected in listed.items():
            if path not in present:
                result.problems.append(f"{path}: listed in the manifest but missing")
                continue
            try:
                digest = hashlib.sha256(archive.read(path)).hexdigest()
            except (zipfile.BadZipFile, OSError) as problem:
                result.problems.append(f"{path}: damaged ({problem})")
                continue
            result.checked += 1
            if digest != expected:
                result.problems.append(f"{path}: does not match its SHA-256 in the manifest")
        for path in sorted(present - set(listed)):
            result.problems.append(f"{path}: not listed in the manifest")
    return result
