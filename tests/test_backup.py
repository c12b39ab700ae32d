"""Backups: `backup` takes the database and every stored file with their hashes; `restore` puts them
into a new, empty database and storage folder, where every file's hash and every audit chain holds;
and it refuses, changing nothing, a database or folder that is not empty, or an archive that was changed."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from incidents import services
from incidents.models import Case, CaseEvent, Evidence, Letter
from incidents.workflow import State
from tests.views.test_reporting import pdf_bytes, png_bytes, upload

ROOT = Path(__file__).resolve().parent.parent

# Transactional: pg_dump reads the database from a connection of its own, so the cases must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cases(school, procedure):
    """Cases at several stages, with evidence of both kinds and their letters."""
    made = [procedure.case_at(state) for state in (State.REPORTED, State.CONTENT_REMOVAL_REQUESTED, State.CLOSED)]
    services.evidence_add(case=made[0], by=school.headteacher, file=upload("post.png", png_bytes()))
    services.evidence_add(case=made[1], by=school.headteacher,
                          file=upload("thread.pdf", pdf_bytes(), "application/pdf"))
    return made


@pytest.fixture
def fresh(tmp_path):
    """The variables that point a process at a new, empty database and storage folder (of the same
    kind of database as the suite's), and a way to run `python manage.py ...` there."""
    private = tmp_path / "restored-private"
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield _Fresh(url, private)
        return
    database = settings.DATABASES["default"]
    name = f"{database['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    yield _Fresh(f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{name}", private)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Fresh:
    def __init__(self, url: str, private: Path) -> None:
        self.url, self.private = url, private

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": "x", "CASEWORK_DEV_KEYS": "1",
                       "DATABASE_URL": self.url,
                       "PRIVATE_STORAGE_ROOT": str(self.private)}
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                              text=True, timeout=300)

    def query(self, code: str):
        """Run `code` (which sets `result`) in Django in that environment; its result, read back as JSON."""
        done = self.manage("shell", "-c", code + "\nimport json; print(json.dumps(result))")
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.splitlines()[-1])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_restores_into_a_fresh_database_where_every_file_and_audit_chain_holds(cases, fresh, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive))
    assert archive.stat().st_mode & 0o077 == 0, "the backup holds case data: its owner alone may read it"

    done = fresh.manage("restore", str(archive))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "All audit chains hold." in done.stdout
    stored = [(item.file.name, item.sha256) for item in Evidence.objects.exclude(file="")]
    stored += [(letter.pdf.name, letter.sha256) for letter in Letter.objects.all()]
    assert len(stored) >= 2 + 4
    for name, expected in stored:
        assert sha256(fresh.private / name) == expected, name
    restored = fresh.query("from incidents.models import Case, CaseEvent\nresult = ["
                           "sorted(Case.objects.values_list('reference', 'state')), CaseEvent.objects.count()]")
    assert restored == [sorted([list(row) for row in Case.objects.values_list("reference", "state")]),
                        CaseEvent.objects.count()]
    verified = fresh.manage("verify_audit")
    assert verified.returncode == 0 and "All audit chains hold." in verified.stdout


def test_the_manifest_lists_the_database_and_every_file_with_its_hash(cases, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames()) - {"manifest.json"}
        assert set(manifest["files"]) == names
        for name in names:
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == manifest["files"][name], name
    evidence = {f"files/{item.file.name}" for item in Evidence.objects.exclude(file="")}
    letters = {f"files/{letter.pdf.name}" for letter in Letter.objects.all()}
    assert evidence | letters <= names
    assert manifest["database"] in names and manifest["cases"] == len(cases)


def test_backup_will_not_overwrite_a_file(cases, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--out", str(archive))
    assert archive.read_bytes() == b"yesterday's backup"


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(cases, tmp_path, settings):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive))
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "empty-storage"
    events = sorted(Case.objects.values_list("reference", "events__hash"))

    with pytest.raises(CommandError, match="restored only into an empty database"):
        call_command("restore", str(archive))

    assert sorted(Case.objects.values_list("reference", "events__hash")) == events
    assert not (tmp_path / "empty-storage").exists()


def test_restore_refuses_storage_that_is_not_empty_and_changes_nothing(cases, fresh, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive))
    fresh.private.mkdir()
    (fresh.private / "notes.txt").write_text("someone else's file")

    done = fresh.manage("restore", str(archive))

    assert done.returncode != 0 and "restored only into an empty one" in done.stderr
    assert [path.name for path in fresh.private.rglob("*")] == ["notes.txt"]
    assert fresh.query("from django.db import connection\nresult = connection.introspection.table_names()") == []


def test_restore_refuses_an_archive_changed_since_the_backup_naming_the_file(cases, fresh, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--out", str(archive))
    letter = Letter.objects.first()
    assert letter is not None
    changed_name = f"files/{letter.pdf.name}"
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            content = source.extractfile(member).read()
            if member.name == changed_name:
                content = content.replace(b"%PDF", b"%PDX", 1)
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))

    done = fresh.manage("restore", str(tampered))

    assert done.returncode != 0
    assert f"{changed_name}: changed since the backup was made" in done.stderr
    assert "nothing was restored" in done.stderr
    assert not fresh.private.exists() or not any(fresh.private.rglob("*"))
    assert fresh.query("from django.db import connection\nresult = connection.introspection.table_names()") == []
