"""Integrity that survives database access (issue 16, item 3): someone who can write to the database,
but has not the audit key or the signing key, cannot delete, shorten or rewrite a case's timeline or the
register of exports, nor change a signed bundle, without `verify_audit` or `verify_bundle` naming it."""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from incidents import clock, keys
from incidents.audit import audit_verify, event_record
from incidents.exports.archive import archive_verify
from incidents.exports.bundle import bundle_build
from incidents.exports.records import export_record
from incidents.exports.subject_access import subject_access_build
from incidents.exports.subject_access_requests import subject_access_request_record
from incidents.models import CaseAnchor, CaseEvent, ExportRecord, ExportSeal
from incidents.models.exports import ExportKind
from incidents.workflow import State

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def behind_the_back(statement: str, params: list) -> None:
    """Run SQL as someone with the database would: on PostgreSQL, a superuser past the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def delete_every_event(case) -> None:
    """Delete all of the case's events, and first what refers to them (its letters and emails)."""
    behind_the_back("DELETE FROM incidents_notification WHERE case_id = %s", [case.pk])
    behind_the_back("DELETE FROM incidents_letterdelivery WHERE letter_id IN "
                    "(SELECT id FROM incidents_letter WHERE case_id = %s)", [case.pk])
    behind_the_back("DELETE FROM incidents_letter WHERE case_id = %s", [case.pk])
    behind_the_back("DELETE FROM incidents_caseevent WHERE case_id = %s", [case.pk])


def viewed_twice(case) -> None:
    """Two views of the case: the last events, which nothing else refers to."""
    for _ in range(2):
        event_record(case=case, kind=CaseEvent.Kind.VIEWED, actor=case.case_manager)


def verify_audit_fails_with(text: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert text in str(failure.value), str(failure.value)
    return str(failure.value)


def test_a_whole_case_verifies_and_the_command_prints_the_chains_heads(procedure, capsys):
    procedure.case_at(State.HEARING_SCHEDULED)
    assert audit_verify() is None
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "All audit chains hold." in out and "anchors #" in out


def test_deleting_a_cases_last_events_is_named(procedure):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    viewed_twice(case)
    count = case.events.count()
    kept = case.events.get(sequence=count - 2)
    assert kept_words(kept) == "Refer to a disciplinary hearing"
    behind_the_back("DELETE FROM incidents_caseevent WHERE case_id = %s AND sequence > %s", [case.pk, count - 2])
    expected = f"case {case.reference}: 2 events missing after '{kept_words(kept)}' (event #{count - 2})"
    assert str(audit_verify()) == expected
    verify_audit_fails_with(expected)


def kept_words(event: CaseEvent) -> str:
    from incidents.timeline import _what

    return _what(event)


def test_deleting_the_last_event_is_named_in_words(procedure):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    viewed_twice(case)
    last = case.events.order_by("-sequence").first()
    behind_the_back("DELETE FROM incidents_caseevent WHERE id = %s", [last.pk])
    assert f"case {case.reference}: 1 event missing after" in str(audit_verify())


def test_deleting_all_of_a_cases_events_is_named(procedure):
    case = procedure.case_at(State.INVESTIGATION)
    other = procedure.case_at(State.REPORTED)
    count = case.events.count()
    delete_every_event(case)
    assert str(audit_verify()) == (f"case {case.reference}: {count} events missing: every event of the case was "
                                   "deleted")
    verify_audit_fails_with(case.reference)
    assert other.reference not in str(audit_verify())


def test_deleting_all_of_a_cases_events_and_its_anchors_is_named(procedure):
    case = procedure.case_at(State.INVESTIGATION)
    procedure.case_at(State.REPORTED)  # anchored after: the deleted anchors leave a gap in the chain
    delete_every_event(case)
    behind_the_back("DELETE FROM incidents_caseanchor WHERE case_id = %s", [case.pk])
    message = verify_audit_fails_with(f"case {case.reference}: its timeline is empty: every event of the case is "
                                      "missing")
    assert "Audit trail broken" in message


def test_deleting_the_last_events_with_their_anchors_leaves_a_gap_in_the_chain_of_anchors(procedure):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    viewed_twice(case)
    procedure.case_at(State.REPORTED)  # anchored after
    count = case.events.count()
    deleted = list(case.anchors.filter(events__gt=count - 2).values_list("position", flat=True))
    behind_the_back("DELETE FROM incidents_caseevent WHERE case_id = %s AND sequence > %s", [case.pk, count - 2])
    behind_the_back("DELETE FROM incidents_caseanchor WHERE case_id = %s AND events > %s", [case.pk, count - 2])
    assert str(audit_verify()) == (f"the chain of anchors: {len(deleted)} links missing before #{max(deleted) + 1} "
                                   "(deleted from the database)")


def rehash(case, *, from_sequence: int, change: dict) -> None:
    """Rewrite the case's events from `from_sequence` on, sealing each again with the app's own function
    (and the anchor too), as someone with the database and the source but not the key would."""
    previous = case.events.get(sequence=from_sequence - 1).hash if from_sequence > 1 else ""
    for event in case.events.filter(sequence__gte=from_sequence).order_by("sequence"):
        event.case = case
        if event.sequence == from_sequence:
            for name, value in change.items():
                setattr(event, name, value)
        event.previous_hash = previous
        event.hash = previous = event.compute_hash()
        behind_the_back("UPDATE incidents_caseevent SET note = %s, previous_hash = %s, hash = %s WHERE id = %s",
                        [event.note, event.previous_hash, event.hash, event.pk])
    anchor = case.anchors.order_by("-position").first()
    anchor.head_hash = previous
    anchor.seal = anchor.compute_seal()
    behind_the_back("UPDATE incidents_caseanchor SET head_hash = %s, seal = %s WHERE id = %s",
                    [anchor.head_hash, anchor.seal, anchor.pk])


def test_a_timeline_rewritten_and_sealed_again_without_the_key_is_named(procedure, settings):
    case = procedure.case_at(State.HEARING_SCHEDULED)
    rewritten = case.events.get(sequence=2)
    settings.AUDIT_KEY = "a key the attacker made up, since the real one is not in the database"
    rehash(case, from_sequence=2, change={"note": "The employee admitted nothing."})
    settings.AUDIT_KEY = ""  # the installation's own key again
    expected = (f"case {case.reference}, event #2: '{kept_words(rewritten)}' was changed: its content does not "
                "match its seal (rewritten, or sealed with another key)")
    assert str(audit_verify()) == expected
    verify_audit_fails_with(expected)


def test_a_timeline_rewritten_with_the_key_passes_so_the_key_is_what_matters(procedure):
    """The same rewrite with the real key holds: which is why the key is kept outside the database."""
    case = procedure.case_at(State.INVESTIGATION)
    rehash(case, from_sequence=2, change={"note": "rewritten"})
    assert audit_verify() is None


def test_events_and_anchors_are_sealed_with_the_configured_key(procedure, settings, tmp_path):
    key_file = tmp_path / "audit.key"
    key_file.write_text("k" * 40 + "\n")
    settings.AUDIT_KEY_FILE = str(key_file)
    case = procedure.case_at(State.REPORTED)
    event = case.events.get()
    content_hash = event.hash
    settings.AUDIT_KEY_FILE = ""
    assert event.compute_hash() != content_hash  # the development key gives another seal
    assert "was changed" in str(audit_verify())
    settings.AUDIT_KEY_FILE = str(key_file)
    assert audit_verify() is None


def test_without_a_key_outside_development_nothing_is_recorded(procedure, settings):
    case = procedure.case_at(State.REPORTED)
    settings.DEV_KEYS = False
    with pytest.raises(keys.KeyMissing, match="CASEWORK_AUDIT_KEY_FILE"):
        event_record(case=case, kind=CaseEvent.Kind.VIEWED, actor=case.reporter)
    settings.DEV_KEYS = True
    assert case.events.count() == 1
    settings.AUDIT_KEY = "too short"
    with pytest.raises(keys.KeyMissing, match="too short"):
        event_record(case=case, kind=CaseEvent.Kind.VIEWED, actor=case.reporter)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_the_database_itself_refuses_to_change_or_delete_an_anchor_or_an_exports_seal(procedure, school):
    from django.db import DatabaseError, transaction

    procedure.case_at(State.REPORTED)
    export_record(by=school.hr, kind=ExportKind.REGISTER, file_format="csv", filters={}, rows=1)
    for statement in ("UPDATE incidents_caseanchor SET events = 9", "DELETE FROM incidents_caseanchor",
                      "UPDATE incidents_exportseal SET seal = 'x'", "DELETE FROM incidents_exportseal"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert audit_verify() is None


# --- Exports ------------------------------------------------------------------------------------

def register_exports(school, count: int) -> list[ExportRecord]:
    return [export_record(by=school.hr, kind=ExportKind.REGISTER, file_format="csv",
                          filters={"school": school.school.name, "from": clock.today()}, rows=number)
            for number in range(1, count + 1)]


def test_exports_are_on_a_sealed_chain_of_their_own(school):
    records = register_exports(school, 3)
    assert [record.seal.position for record in records] == [1, 2, 3]
    assert records[1].seal.previous_seal == records[0].seal.seal
    assert audit_verify() is None


def test_an_export_record_changed_behind_the_applications_back_is_named(school):
    records = register_exports(school, 2)
    behind_the_back("UPDATE incidents_exportrecord SET rows = 0 WHERE id = %s", [records[0].pk])
    problem = str(audit_verify())
    assert problem.startswith("the chain of exports: #1, the case register exported by ")
    assert problem.endswith("was changed: it does not match its seal (rewritten, or sealed with another key)")


def test_an_export_record_deleted_with_its_seal_is_named(school):
    records = register_exports(school, 3)
    behind_the_back("DELETE FROM incidents_exportseal WHERE record_id = %s", [records[1].pk])
    behind_the_back("DELETE FROM incidents_exportrecord WHERE id = %s", [records[1].pk])
    assert str(audit_verify()) == "the chain of exports: 1 link missing before #3 (deleted from the database)"


def test_an_export_added_behind_the_applications_back_is_named(school):
    register_exports(school, 1)
    behind_the_back("INSERT INTO incidents_exportrecord (actor_id, at, kind, file_format, filters, rows, sha256) "
                    "VALUES (%s, %s, 'register', 'csv', '{}', 1, '')", [school.hr.pk, clock.now()])
    assert "is not on the chain of exports" in str(audit_verify())


def test_the_last_bundles_export_record_deleted_is_named_by_the_cases_timeline(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    made = bundle_build(case=case, by=school.hr, purpose="hearing")
    behind_the_back("DELETE FROM incidents_exportseal WHERE record_id = %s", [made.record.pk])
    behind_the_back("DELETE FROM incidents_exportrecord WHERE id = %s", [made.record.pk])
    exported = case.events.get(kind=CaseEvent.Kind.EXPORTED)
    assert str(audit_verify()) == (f"case {case.reference}, event #{exported.sequence}: the export recorded on the "
                                   "timeline is missing from the register of exports (deleted from the database)")


# --- Chains recorded before the key --------------------------------------------------------------

def as_before_the_key(case) -> None:
    """Make the case's timeline as it was recorded before keys: plain SHA-256, no anchor."""
    previous = ""
    for event in case.events.order_by("sequence"):
        event.case, event.keyed, event.previous_hash = case, False, previous
        event.hash = previous = event.compute_hash()
        behind_the_back("UPDATE incidents_caseevent SET keyed = %s, previous_hash = %s, hash = %s WHERE id = %s",
                        [False, event.previous_hash, event.hash, event.pk])
    behind_the_back("DELETE FROM incidents_caseanchor WHERE case_id = %s", [case.pk])


def test_timelines_from_before_the_key_are_anchored_once_by_a_command(procedure, school, capsys):
    case = procedure.case_at(State.REPORTED)  # one event: its anchor is the last of the chain
    as_before_the_key(case)
    behind_the_back("INSERT INTO incidents_exportrecord (actor_id, at, kind, file_format, filters, rows, sha256) "
                    "VALUES (%s, %s, 'register', 'csv', '{}', 1, '')", [school.hr.pk, clock.now()])
    assert str(audit_verify()) == (f"case {case.reference}: its 1 events were recorded before the audit key and "
                                   "are not anchored yet: run `python manage.py anchor_audit` once")

    call_command("anchor_audit")
    assert "Anchored 1 case timeline and put 1 export on the chain of exports." in capsys.readouterr().out
    assert audit_verify() is None
    event_record(case=case, kind=CaseEvent.Kind.VIEWED, actor=school.headteacher)  # keyed from now on
    assert [e.keyed for e in case.events.order_by("sequence")] == [False, True]
    assert audit_verify() is None
    call_command("anchor_audit")
    assert "Anchored 0 case timelines and put 0 exports" in capsys.readouterr().out


def test_an_unkeyed_event_after_the_anchor_is_named(procedure, school):
    case = procedure.case_at(State.INVESTIGATION)
    as_before_the_key(case)
    call_command("anchor_audit")
    last = case.events.order_by("-sequence").first()
    forged = CaseEvent(case=case, sequence=last.sequence + 1, kind=CaseEvent.Kind.VIEWED, actor=school.staff,
                       at=clock.now(), previous_hash=last.hash, keyed=False, details={})
    forged.hash = forged.compute_hash()
    behind_the_back("INSERT INTO incidents_caseevent (case_id, sequence, kind, actor_id, transition, from_state, "
                    "to_state, note, details, at, previous_hash, hash, keyed) VALUES (%s, %s, 'viewed', %s, '', '', "
                    "'', '', '{}', %s, %s, %s, %s)", [case.pk, forged.sequence, school.staff.pk, forged.at,
                                                     forged.previous_hash, forged.hash, False])
    assert str(audit_verify()) == (f"case {case.reference}, event #{forged.sequence}: 'Viewed' was added without "
                                   "the audit key after the timeline was anchored")


def test_a_broken_timeline_from_before_the_key_is_not_anchored(procedure):
    case = procedure.case_at(State.INVESTIGATION)
    as_before_the_key(case)
    behind_the_back("UPDATE incidents_caseevent SET note = 'edited' WHERE case_id = %s AND sequence = 1", [case.pk])
    with pytest.raises(CommandError, match="already broken"):
        call_command("anchor_audit")
    assert not CaseAnchor.objects.filter(case=case).exists()


# --- Signed bundles and subject access exports -------------------------------------------------

def bundle_file(procedure, school, tmp_path) -> Path:
    case = procedure.case_at(State.INVESTIGATION)
    made = bundle_build(case=case, by=school.hr, purpose="hearing")
    path = tmp_path / "bundle.zip"
    path.write_bytes(made.file.read())
    return path


def rewritten(path: Path, out: Path, change) -> Path:
    """The ZIP with each member passed through `change(name, bytes)`."""
    original = zipfile.ZipFile(path)
    with zipfile.ZipFile(out, "w") as new:
        for name in original.namelist():
            new.writestr(name, change(name, original.read(name)))
    return out


def test_a_signed_bundle_verifies_and_names_its_signer(procedure, school, tmp_path, capsys):
    path = bundle_file(procedure, school, tmp_path)
    signature = json.loads(zipfile.ZipFile(path).read("manifest.sig"))
    fingerprint = keys.fingerprint(keys.signing_key().public_key())
    assert signature["algorithm"] == "Ed25519" and signature["fingerprint"] == fingerprint
    result = archive_verify(path)
    assert result.ok and result.signer == "Rainow Primary School" and result.fingerprint == fingerprint
    call_command("verify_bundle", str(path))
    assert f"signed by Rainow Primary School (key {fingerprint}); all " in capsys.readouterr().out


def test_a_bundle_changed_by_one_byte_fails(procedure, school, tmp_path):
    path = bundle_file(procedure, school, tmp_path)
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(zipfile.ZipFile(path).namelist()[0])
    raw[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x01
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(raw))
    assert not archive_verify(changed).ok
    with pytest.raises(CommandError, match="the bundle is not as it was made"):
        call_command("verify_bundle", str(changed))


def test_a_manifest_rebuilt_for_a_changed_file_fails_its_signature(procedure, school, tmp_path):
    path = bundle_file(procedure, school, tmp_path)
    target = next(name for name in zipfile.ZipFile(path).namelist() if name.endswith(".pdf"))
    content = bytearray(zipfile.ZipFile(path).read(target))
    content[len(content) // 2] ^= 0x01  # one byte of the file, and its hash put right in the manifest
    digest = hashlib.sha256(bytes(content)).hexdigest()

    def change(name: str, data: bytes) -> bytes:
        if name == target:
            return bytes(content)
        if name == "manifest.json":
            manifest = json.loads(data)
            for entry in manifest["files"]:
                if entry["path"] == target:
                    entry["sha256"] = digest
            return json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        return data

    result = archive_verify(rewritten(path, tmp_path / "rebuilt.zip", change))
    assert result.problems == ["manifest.json: changed after it was signed: its signature does not match"]


def test_a_bundle_signed_again_with_another_key_fails_naming_both_keys(procedure, school, tmp_path, settings):
    path = bundle_file(procedure, school, tmp_path)
    other = tmp_path / "other.pem"
    other.write_bytes(keys.new_signing_key_pem())
    settings.SIGNING_KEY_FILE = str(other)
    path = bundle_file(procedure, school, tmp_path)  # made by an installation with another key
    theirs = keys.fingerprint(keys.signing_key().public_key())
    settings.SIGNING_KEY_FILE = ""
    result = archive_verify(path)
    assert result.problems == [f"manifest.sig: signed with a key that is not the school's (its fingerprint is "
                               f"{theirs}; the school's is {keys.fingerprint(keys.signing_key().public_key())})"]


def test_an_unsigned_bundle_fails(procedure, school, tmp_path):
    path = bundle_file(procedure, school, tmp_path)
    original = zipfile.ZipFile(path)
    unsigned = tmp_path / "unsigned.zip"
    with zipfile.ZipFile(unsigned, "w") as new:
        for name in original.namelist():
            if name != "manifest.sig":
                new.writestr(name, original.read(name))
    assert archive_verify(unsigned).problems[0].startswith("manifest.sig: missing: the bundle is not signed")


def test_a_bundle_is_checked_elsewhere_with_the_schools_public_key(procedure, school, tmp_path, capsys):
    path = bundle_file(procedure, school, tmp_path)
    call_command("signing_key")
    printed = capsys.readouterr().out
    public = tmp_path / "school.pub"
    public.write_text(printed.split("Fingerprint:")[0])
    assert keys.fingerprint(keys.signing_key().public_key()) in printed
    call_command("verify_bundle", str(path), "--public-key", str(public))
    assert "signed by Rainow Primary School" in capsys.readouterr().out
    stranger = tmp_path / "stranger.pub"
    stranger.write_text(keys.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(CommandError):
        call_command("verify_bundle", str(path), "--public-key", str(stranger))
    with pytest.raises(CommandError, match="not an Ed25519 public key"):
        not_a_key = tmp_path / "nonsense.pub"
        not_a_key.write_text("nonsense")
        call_command("verify_bundle", str(path), "--public-key", str(not_a_key))


def test_a_new_signing_key_is_written_once_and_readable_only_by_its_owner(tmp_path, settings):
    path = tmp_path / "signing.pem"
    call_command("signing_key", "--new", str(path))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="already exists"):
        call_command("signing_key", "--new", str(path))
    settings.SIGNING_KEY_FILE = str(path)
    assert keys.signing_key().public_key()


def test_a_subject_access_export_is_signed(procedure, school):
    procedure.case_at(State.INVESTIGATION)
    request = subject_access_request_record(staff=school.employee, received_on=clock.today(), received_how="email",
                                            by=school.hr)
    made = subject_access_build(by=school.hr, request=request)
    result = archive_verify(made.file)
    assert result.ok and result.signer == "Rainow Primary School"
    made.file.seek(0)
    data = bytearray(made.file.read())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    manifest = archive.getinfo("manifest.json")
    start = manifest.header_offset + 30 + len(manifest.filename)
    signed = archive.read("manifest.json")
    # whichever byte of the stored manifest is changed, verifying gives an answer, never an error: the
    # pack fails with a message unless the change left the manifest's words as they were
    for offset in range(start, start + manifest.compress_size):
        changed = bytearray(data)
        changed[offset] ^= 0x01
        result = archive_verify(io.BytesIO(bytes(changed)))
        if result.ok:
            assert zipfile.ZipFile(io.BytesIO(bytes(changed))).read("manifest.json") == signed, offset
        else:
            assert result.problems, offset
    assert ExportSeal.objects.count() == 1


# --- Production -------------------------------------------------------------------------------------

def test_check_deploy_refuses_the_development_keys():
    environment = {"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": "s" * 60}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "No audit key: set CASEWORK_AUDIT_KEY_FILE" in result.stderr
    assert "No signing key: set CASEWORK_SIGNING_KEY_FILE" in result.stderr
