"""The guard against spreadsheet formulas (CSV/formula injection, OWASP).

A cell whose text starts with = + - @ a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets. Such text gets a leading apostrophe, which spreadsheets
show as plain text. The register applies the guard in SQL (`Neutralised`), so PostgreSQL's
COPY and the Python writers give the same cells; `neutralise` is the same rule in Python.

JSON exports keep the data as it is: JSON is read by programs, not run by spreadsheets, and
a changed value there would be a wrong value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

from django.db.models import CharField, Func

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from incidents.exports.sql import Compiled

T = TypeVar("T")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: T) -> T: ...
def neutralise(value: object) -> object:
    """`value` as a spreadsheet may safely show it (non-text values pass unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Neutralised(Func):
    """SQL form of `neutralise` for one text expression (evaluated once on PostgreSQL)."""

    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        # A bracket expression of the literal characters; '-' last so it is not a range.
        return f"REGEXP_REPLACE({sql}, %s, %s)", (*params, "^([=+@\t\r-])", "'\\1")

    def as_sql(  # type: ignore[override]  # writes its own SQL: no function, template or joiner
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        starts = ", ".join(["%s"] * len(FORMULA_STARTS))
        return (f"CASE WHEN SUBSTR({sql}, 1, 1) IN ({starts}) THEN '''' || {sql} ELSE {sql} END",
                (*params, *FORMULA_STARTS, *params, *params))
