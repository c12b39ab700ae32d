"""Long exports (a trust's whole register, a large bundle) made by the background worker.

The page asks for one (`prepared_export_request`), the worker makes it (`prepare_export`,
run by `python manage.py db_worker` with the database backend; at once with the immediate
backend, as in tests and `make run`), and the exports page shows it as ready to download.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any, cast

from django.core.files import File
from django_tasks import task

from incidents import clock
from incidents.exports import bundle, register, subject_access
from incidents.models import Case, PreparedExport, SubjectAccessRequest
from incidents.models.exports import ExportKind, ExportRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def prepared_export_request(*, by: User, kind: str, parameters: dict[str, Any]) -> PreparedExport:
    """Ask the worker for an export; it is made with `by`'s permissions when the worker runs."""
    prepared = PreparedExport.objects.create(owner=by, kind=kind, parameters=parameters)
    prepare_export.enqueue(prepared.pk)
    prepared.refresh_from_db()
    return prepared


def _spool(chunks: Iterable[bytes]) -> IO[bytes]:
    file = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115  (handed to the caller)
    for chunk in chunks:
        file.write(chunk)
    file.seek(0)
    return file


def _make(prepared: PreparedExport) -> tuple[IO[bytes], str, str, ExportRecord | None]:
    by, parameters = prepared.owner, prepared.parameters
    if prepared.kind == ExportKind.REGISTER:
        file_format = parameters["format"]
        content, _, record = register.register_export(by=by, file_format=file_format,
                                              filters=register.RegisterFilters.from_dict(parameters["filters"]))
        file = cast(IO[bytes], content) if file_format == "xlsx" else _spool(content)  # XLSX: an open file
        return file, register.filename(file_format), register.FORMATS[file_format][0], record
    if prepared.kind == ExportKind.BUNDLE:
        case = Case.objects.select_related("school").get(uuid=parameters["case"])
        made = bundle.bundle_build(case=case, by=by, purpose=parameters["purpose"],
                                   technical=parameters.get("technical", False))
    else:
        request = SubjectAccessRequest.objects.select_related("staff__school", "staff__user").get(
            uuid=parameters["request"])
        made = subject_access.subject_access_build(
            request=request, by=by, redact_others=parameters["redact_others"],
            not_redacted_reason=parameters.get("not_redacted_reason", ""),
            lado_considered=parameters.get("lado_considered", False))
    return made.file, made.filename, "application/zip", made.record


@task()
def prepare_export(prepared_id: int) -> None:
    """Make a requested export and keep it for its owner; a failure is recorded, not raised."""
    prepared = PreparedExport.objects.select_related("owner").get(pk=prepared_id)
    try:
        file, filename, content_type, record = _make(prepared)
        with file:
            prepared.file.save(filename, File(file), save=False)
    except Exception as problem:  # shown to the owner; the worker goes on with the next task
        prepared.status = PreparedExport.Status.FAILED
        prepared.error = str(problem) or problem.__class__.__name__
    else:
        prepared.status = PreparedExport.Status.READY
        prepared.filename = filename
        prepared.content_type = content_type
        prepared.record = record
    prepared.finished_at = clock.now()
    prepared.save()

