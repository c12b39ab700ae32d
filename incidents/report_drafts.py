"""A report between its form and its sending: the answers and the evidence files a member of
staff gave, kept for their session only while they check their answers.

The answers are kept in the session; the files, already checked as evidence by the form, in the
private storage under random names (never a public URL), named only in that session. Sending the
report, or starting a new one, discards them; a draft never sent is discarded a day later, when
anyone next saves a draft (`drafts_discard_stale`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from incidents.evidence_checks import safe_name
from incidents.models.evidence import private_storage

SESSION_KEY = "report_draft"
FOLDER = "report-drafts"
STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class DraftFile:
    key: str  # a random key, which the form's "remove" boxes carry
    stored: str  # its name in the private storage
    name: str  # the name it was uploaded with, made safe
    size: int


def draft_answers(session: SessionBase) -> dict[str, Any] | None:
    """The answers of the draft report in this session (None: there is none)."""
    draft = session.get(SESSION_KEY)
    return dict(draft["answers"]) if draft else None


def draft_files(session: SessionBase) -> list[DraftFile]:
    draft = session.get(SESSION_KEY) or {}
    return [DraftFile(**item) for item in draft.get("files", [])]


def draft_save(session: SessionBase, *, answers: Mapping[str, Any], uploads: Iterable[UploadedFile] = (),
               remove: Iterable[str] = ()) -> None:
    """Keep `answers` (plain values) as this session's draft report, with the files already kept
    but those whose key is in `remove`, and `uploads` added (checked by the form beforehand)."""
    drafts_discard_stale()
    remove = set(remove)
    files = []
    for kept in draft_files(session):
        if kept.key in remove:
            private_storage().delete(kept.stored)
        else:
            files.append(kept)
    for upload in uploads:
        stored = private_storage().save(f"{FOLDER}/{uuid.uuid4()}", upload)
        files.append(DraftFile(key=uuid.uuid4().hex, stored=stored, name=safe_name(upload.name or ""),
                               size=upload.size or 0))
    session[SESSION_KEY] = {"answers": dict(answers), "files": [asdict(item) for item in files]}


def draft_evidence(session: SessionBase) -> list[UploadedFile]:
    """The draft's files, opened as uploads again, each with the name it was uploaded with (the
    caller closes them); `services.case_report` checks and stores them as any upload."""
    return [UploadedFile(private_storage().open(item.stored, "rb"), name=item.name, size=item.size)
            for item in draft_files(session)]


def draft_discard(session: SessionBase) -> None:
    """Forget the draft and delete its files."""
    for item in draft_files(session):
        private_storage().delete(item.stored)
    session.pop(SESSION_KEY, None)


def drafts_discard_stale() -> None:
    """Delete the files of drafts saved more than a day ago and never sent."""
    try:
        _, names = private_storage().listdir(FOLDER)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            # the files' own times, so the wall clock (not the procedure's clock)
            if timezone.now() - private_storage().get_modified_time(path) > STALE_AFTER:
                private_storage().delete(path)
        except FileNotFoundError:  # discarded meanwhile
            continue
