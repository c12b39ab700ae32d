"""Backups: the database and every stored file (evidence, letters, prepared exports, logos) in one
archive with a manifest of SHA-256 hashes, and restoring one into an empty database and storage.

The archive is a gzipped tar holding `database.sqlite3` (SQLite's backup API) or `database.pgdump`
(`pg_dump --format=custom`), every file under PRIVATE_STORAGE_ROOT as `files/<its name>`, and
`manifest.json` naming each with its SHA-256. A restore checks every hash before it changes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import FileField

from incidents import clock
from incidents.audit import BrokenLink, audit_verify
from incidents.models import Case
from incidents.storage import PrivateStorage

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
DATABASE_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAME = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup could not be made; nothing was written at the destination."""


class RestoreRefused(Exception):
    """The restore did not start, or was undone: the database and storage are as they were."""


@dataclass(frozen=True)
class BackupMade:
    path: Path
    engine: str
    files: int
    cases: int
    # Files the database names that were not in storage when the backup was made.
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Restored:
    engine: str
    files: int
    cases: int
    broken: BrokenLink | None
    # Files whose hash, read back from storage after the restore, differs from the manifest's.
    changed: list[str] = field(default_factory=list)


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILE:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else []


def _named_by_database() -> list[str]:
    """Every file name the database holds in a field kept in private storage."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField) and isinstance(model_field.storage, PrivateStorage):
                names.update(model._default_manager.exclude(**{model_field.name: ""})
                             .values_list(model_field.name, flat=True))
    return sorted(names)


def _postgres_environment() -> dict[str, str]:
    """libpq's variables for the database Django uses, so no password is on a command line."""
    database = connection.settings_dict
    environment = dict(os.environ)
    for variable, value in (("PGDATABASE", database["NAME"]), ("PGUSER", database.get("USER")),
                            ("PGPASSWORD", database.get("PASSWORD")), ("PGHOST", database.get("HOST")),
                            ("PGPORT", database.get("PORT")),
                            ("PGSSLMODE", (database.get("OPTIONS") or {}).get("sslmode"))):
        if value:
            environment[variable] = str(value)
    return environment


def _run(command: list[str], what: str, error: type[Exception]) -> None:
    try:
        result = subprocess.run(command, env=_postgres_environment(), capture_output=True, text=True)
    except FileNotFoundError:
        raise error(f"{command[0]} is not installed: install PostgreSQL's client programs "
                    f"(apt-get install postgresql-client) to {what}.") from None
    if result.returncode != 0:
        raise error(f"{command[0]} could not {what}: {result.stderr.strip()}")


def _dump_database(vendor: str, to: Path) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(to)
        try:
            connection.connection.backup(target)  # a consistent copy, even while others write
        finally:
            target.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={to}"],
             "copy the database", BackupError)


def backup_create(*, out: Path) -> BackupMade:
    """Write the database and every stored file to the archive `out` (which must not exist yet),
    readable by its owner only. The database is copied first, then the files: a file saved
    meanwhile may be in the archive without a record, never a record without its file."""
    vendor = _vendor()
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new name for the backup.")
    root = _storage_root()
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="casework-backup-") as work:
        database = Path(work) / DATABASE_FILE[vendor]
        _dump_database(vendor, database)
        cases = Case.objects.count()
        named = _named_by_database()
        stored = _stored_files(root)
        hashes = {DATABASE_FILE[vendor]: _sha256_file(database)}
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise BackupError(f"{partial} is in the way (left by a backup that stopped?): remove it first.") from None
        except OSError as error:
            raise BackupError(f"The backup cannot be written at {out}: {error.strerror}.") from None
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(database, arcname=DATABASE_FILE[vendor], recursive=False)
                for path in stored:
                    member = FILES + path.relative_to(root).as_posix()
                    hashes[member] = _sha256_file(path)
                    archive.add(path, arcname=member, recursive=False)
                manifest = {"format": FORMAT, "made_at": clock.now().isoformat(), "engine": vendor,
                            "database": DATABASE_FILE[vendor], "cases": cases, "algorithm": "sha256",
                            "files": hashes}
                content = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(content), 0o600, int(clock.now().timestamp())
                archive.addfile(info, io.BytesIO(content))
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    kept = {path.relative_to(root).as_posix() for path in stored}
    return BackupMade(path=out, engine=vendor, files=len(stored), cases=cases,
                      missing=[name for name in named if name not in kept])


def _safe_member(name: str) -> PurePosixPath | None:
    """The file's place under storage for `files/...`, or None for a name that could escape it."""
    path = PurePosixPath(name[len(FILES):])
    if not name.startswith(FILES) or path.is_absolute() or not path.parts or ".." in path.parts:
        return None
    return path


def _read_manifest(archive: tarfile.TarFile, source: str) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError):
        manifest = None
    engine = manifest.get("engine") if isinstance(manifest, dict) else None
    if (not isinstance(manifest, dict) or engine not in DATABASE_FILE or manifest.get("format") != FORMAT
            or not isinstance(manifest.get("files"), dict) or manifest.get("database") != DATABASE_FILE[engine]
            or DATABASE_FILE[engine] not in manifest["files"]):
        raise RestoreRefused(f"{source} is not a backup made by `python manage.py backup` (no readable manifest).")
    for name in manifest["files"]:
        if name != DATABASE_FILE[manifest["engine"]] and _safe_member(name) is None:
            raise RestoreRefused(f"{source} names a file outside the storage folder ({name}): not restored.")
    return manifest


def _copy_hashing(source: IO[bytes], to: Path) -> str:
    digest = hashlib.sha256()
    to.parent.mkdir(parents=True, exist_ok=True)
    with to.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _unpack_checked(path: Path, into: Path) -> dict[str, Any]:
    """Unpack the archive into the folder `into`, checking every file against the manifest;
    refuses (naming each problem) if any file is changed, missing or not listed."""
    try:
        archive = tarfile.open(path, "r:*")  # noqa: SIM115  (closed by the `with` below)
    except (OSError, tarfile.TarError):
        raise RestoreRefused(f"{path} cannot be read as a backup archive.") from None
    with archive:
        manifest = _read_manifest(archive, str(path))
        expected: dict[str, str] = manifest["files"]
        problems, seen = [], set()
        try:
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile():
                    problems.append(f"{member.name}: not listed in the manifest")
                    continue
                source = archive.extractfile(member)
                assert source is not None  # a regular file, checked above
                seen.add(member.name)
                if _copy_hashing(source, into / member.name) != expected[member.name]:
                    problems.append(f"{member.name}: changed since the backup was made (its SHA-256 differs)")
        except (OSError, tarfile.TarError, EOFError) as error:
            problems.append(f"the archive is damaged ({error})")
        problems += [f"{name}: missing from the archive" for name in sorted(set(expected) - seen)]
    if problems:
        raise RestoreRefused(f"{path} does not match its manifest; nothing was restored:\n  " + "\n  ".join(problems))
    return manifest


def _database_tables() -> list[str]:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and "memory" not in name and not Path(name).exists():
        return []  # not even created: nothing to look at, and no empty file left behind by looking
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _restore_database(vendor: str, dump: Path) -> None:
    if vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        connection.close()
        source, target = sqlite3.connect(dump), sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        connection.close()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(dump)], "restore the database", RestoreRefused)


def _files_under(root: Path) -> Iterator[Path]:
    return (path for path in root.rglob("*") if path.is_file()) if root.is_dir() else iter(())


def backup_restore(*, path: Path) -> Restored:
    """Restore the archive at `path` into the configured database and PRIVATE_STORAGE_ROOT, both of
    which must be empty (no table; no file). Refuses, changing nothing, if either is not, if the
    archive is of another kind of database, or if any file in it does not match its manifest.
    Then checks every restored file's hash and every case's audit chain."""
    vendor = _vendor()
    root = _storage_root()
    tables = _database_tables()
    if tables:
        raise RestoreRefused(f"The database already holds {len(tables)} tables: a backup is restored only into an "
                             "empty database. Create a new one and point DATABASE_URL at it.")
    if next(_files_under(root), None) is not None:
        raise RestoreRefused(f"The storage folder {root} already holds files: a backup is restored only into an "
                             "empty one. Point PRIVATE_STORAGE_ROOT at a new folder.")
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=root.parent) as work:
        unpacked = Path(work)
        manifest = _unpack_checked(path, unpacked)
        if manifest["engine"] != vendor:
            raise RestoreRefused(f"This is a backup of a {ENGINE_NAME[manifest['engine']]} database; DATABASE_URL "
                                 f"names a {ENGINE_NAME[vendor]} one. Restore it into the same kind of database.")
        _restore_database(vendor, unpacked / manifest["database"])
        files = unpacked / FILES.rstrip("/")
        if files.is_dir():
            root.mkdir(parents=True, exist_ok=True)
            for entry in files.iterdir():
                shutil.move(entry, root / entry.name)
    restored = {name[len(FILES):]: (_sha256_file(root / name[len(FILES):]), digest)
                for name, digest in manifest["files"].items() if name.startswith(FILES)}
    return Restored(engine=vendor, files=len(restored), cases=Case.objects.count(), broken=audit_verify(),
                    changed=[name for name, (now, then) in restored.items() if now != then])
