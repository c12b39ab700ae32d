"""Every export is recorded: one `ExportRecord` (who, when, what, filters, how many) on the sealed
chain of exports (`audit.export_sealed`), and for a bundle or a subject access export an 'exported'
event on the timeline of each case it holds."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from incidents.audit import event_record, export_sealed
from incidents.models import Case, CaseEvent, ExportRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def export_record(*, by: User, kind: str, file_format: str, filters: dict[str, Any], rows: int,
                  cases: Iterable[Case] = (), sha256: str = "", what: str = "") -> ExportRecord:
    """Record an export made by `by` (before anything leaves the product). Records an 'exported'
    event on each of `cases` (bundles and subject access; a register names no cases one by one)."""
    record = ExportRecord.objects.create(actor=by, kind=kind, file_format=file_format, filters=filters,
                                         rows=rows, sha256=sha256)
    export_sealed(record)
    for case in cases:
        event_record(case=case, kind=CaseEvent.Kind.EXPORTED, actor=by,
                     details={"what": what or record.get_kind_display(), "export": record.pk,
                              "format": file_format, **({"sha256": sha256} if sha256 else {})})
    return record
