"""Running in production: the README's environment passes `check --deploy`, no page can be kept by a
browser or proxy, no template carries inline script or style, and SQLite takes several writers at once."""

import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.urls import reverse

from incidents import clock, services
from incidents.exports.archive import archive_verify
from incidents.exports.bundle import bundle_pdf
from incidents.exports.subject_access import subject_access_build
from incidents.exports.subject_access_requests import subject_access_request_record
from incidents.workflow import State
from tests.views.test_reporting import png_bytes, upload

ROOT = Path(__file__).resolve().parent.parent


def readme_production_environment() -> dict[str, str]:
    """The variables of the README's "Running in production" block, with a fresh secret key
    (the README's is a placeholder no one should use)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n# /etc/casework/env\n(.*?)```", readme, re.S)
    assert block, 'README: the "Running in production" environment block is missing'
    variables = dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))
    variables["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    # The keys' files, made as the README says, where the test may write them.
    folder = Path(tempfile.mkdtemp())
    (folder / "audit.key").write_text(secrets.token_urlsafe(48))
    subprocess.run([sys.executable, "manage.py", "signing_key", "--new", str(folder / "signing-key.pem")], cwd=ROOT,
                   env={"PATH": os.environ["PATH"], **variables}, check=True, capture_output=True)
    variables["CASEWORK_AUDIT_KEY_FILE"] = str(folder / "audit.key")
    variables["CASEWORK_SIGNING_KEY_FILE"] = str(folder / "signing-key.pem")
    return variables


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python manage.py ...` in a process of its own, with only `env` and the system's PATH."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_readmes_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=readme_production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_the_https_variables_check_deploy_names_what_is_missing():
    environment = readme_production_environment()
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS"):
        del environment[name]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=environment)
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr and "SECURE_SSL_REDIRECT" in result.stderr


@pytest.mark.django_db
def test_case_pages_downloads_and_exports_are_never_kept_by_the_browser(client, procedure, school):
    case = procedure.case_at(State.CONTENT_REMOVAL_REQUESTED)
    evidence = services.evidence_add(case=case, by=school.headteacher, file=upload("post.png", png_bytes()))
    letter = case.letters.first()
    assert letter is not None

    client.force_login(school.headteacher)
    responses = {
        "home": client.get(reverse("incidents:home")),
        "case list": client.get(reverse("incidents:case_list")),
        "case page": client.get(case.get_absolute_url()),
        "step form": client.get(reverse("incidents:case_step", args=[case.uuid, "confirm_removed"])),
        "evidence": client.get(reverse("incidents:evidence_download", args=[case.uuid, evidence.uuid])),
        "letter": client.get(reverse("incidents:letter_download", args=[case.uuid, letter.uuid])),
    }
    client.force_login(school.staff)
    responses["reporter's page"] = client.get(reverse("incidents:report_detail", args=[case.uuid]))
    client.force_login(school.hr)
    responses["exports page"] = client.get(reverse("incidents:exports"))
    responses["register"] = client.get(reverse("incidents:export_register"), {"format": "csv"})
    responses["bundle"] = client.post(reverse("incidents:case_bundle", args=[case.uuid]), {"purpose": "hearing"})

    for page, response in responses.items():
        assert response.status_code == 200, page
        assert "no-store" in response["Cache-Control"], page
        assert "private" in response["Cache-Control"], page


@pytest.mark.django_db
def test_the_stylesheet_may_be_cached_but_not_the_sign_in_page(client):
    assert "no-store" not in client.get("/static/css/site.css").get("Cache-Control", "")
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


@pytest.mark.django_db
def test_every_page_forbids_inline_script_and_style_and_being_framed(client, school):
    client.force_login(school.headteacher)
    policy = client.get(reverse("incidents:home"))["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy


INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)


def test_no_template_carries_inline_script_or_style():
    templates = [path for folder in (ROOT / "templates", ROOT / "incidents") for path in folder.rglob("*.html")]
    assert len(templates) > 20
    inline = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in templates
              for match in [INLINE.search(path.read_text())] if match]
    assert not inline, inline


@pytest.mark.django_db
def test_the_bundles_pages_are_laid_out_by_its_stylesheet(school, procedure, real_letters):
    case = procedure.case_at(State.INVESTIGATION)
    pdf = pypdf.PdfReader(io.BytesIO(bundle_pdf(case, purpose="hearing", by=school.hr)))
    second_page = pdf.pages[1].extract_text()
    assert f"Case bundle: {case.reference}" in second_page and "Page 2" in second_page  # the running footer


@pytest.mark.django_db
def test_the_subject_access_page_carries_its_stylesheet_beside_it(school, procedure):
    procedure.case_at(State.INVESTIGATION)
    request = subject_access_request_record(staff=school.employee, received_on=clock.today(), received_how="email",
                                            by=school.hr)
    made = subject_access_build(by=school.hr, request=request)
    archive = zipfile.ZipFile(made.file)
    assert '<link rel="stylesheet" href="subject-access.css">' in archive.read("subject-access.html").decode()
    assert b"font-family" in archive.read("subject-access.css")
    assert archive_verify(made.file).ok


def test_several_people_at_once_on_sqlite_get_no_database_is_locked(tmp_path):
    """Six people each report four concerns and open the same case at the same moment, each with
    their own connection to a new SQLite file: every report and every view is saved."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.concurrent_writes", "6", "4"], cwd=ROOT, capture_output=True, text=True,
        timeout=300, env={"PATH": os.environ["PATH"], "DJANGO_SECRET_KEY": "x", "CASEWORK_DEV_KEYS": "1",
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                          "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
                          "DJANGO_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend"})
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["errors"] == []
    assert summary["journal_mode"] == "wal"
    assert (summary["cases"], summary["views"]) == (1 + 6 * 4, 6 * 4)
    assert summary["chains_hold"]


@pytest.mark.django_db
def test_a_form_sent_without_its_security_token_is_refused_in_plain_words_on_a_page_of_the_site():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form was not sent" in page and "Nothing was saved." in page
    assert "css/site.css" in page and not INLINE.search(page) and "CSRF" not in page


def test_every_command_the_production_section_names_exists():
    from django.core.management import get_commands

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"python manage\.py (\w+)", section))
    assert {"db_worker", "close_lapsed_cases", "backup", "restore", "verify_audit"} <= named
    assert named <= set(get_commands()), named - set(get_commands())
