"""The SQL functions the register needs, written for PostgreSQL and SQLite alike.

Everything in a register row is computed by the database, so a register is one query
whatever its length (no query per case), and PostgreSQL can COPY it straight out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Aggregate, CharField, DateField, Func, IntegerField

from incidents.working_days import bank_holidays

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# A fragment of SQL and its parameters, as `compiler.compile` returns them.
Compiled = tuple[str, Sequence[Any]]

# A Monday long before any case: weekdays are counted in whole weeks from it.
EPOCH = "1970-01-05"
HOLIDAY_YEARS = range(2000, 2100)


class JoinedText(Aggregate):
    """The values joined by `separator`, sorted (on PostgreSQL); NULL when there are none."""

    output_field = CharField()

    def __init__(self, expression: Any, separator: str = ", ", **extra: Any) -> None:
        self.separator = separator
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"STRING_AGG({sql}, %s ORDER BY {sql})", (*params, self.separator, *params)

    def as_sql(  # type: ignore[override]  # writes its own SQL: no function, template or joiner
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"GROUP_CONCAT({sql}, %s)", (*params, self.separator)


def _weekday_holidays() -> list[str]:
    return sorted(day.isoformat() for year in HOLIDAY_YEARS for day in bank_holidays(year) if day.weekday() < 5)


class WorkingDaysBetween(Func):
    """Working days after `start` up to and including `end`, as `working_days.working_days_between`:
    weekdays counted in closed form from a Monday, less the England and Wales bank holidays."""

    output_field = IntegerField()
    arity = 2

    def _days(self, connection: BaseDatabaseWrapper, sql: str) -> str:
        """Days from EPOCH to the day after `sql`."""
        if connection.vendor == "postgresql":
            return f"(({sql})::date + 1 - DATE '{EPOCH}')"
        return f"(CAST(JULIANDAY({sql}) AS INTEGER) + 1 - CAST(JULIANDAY('{EPOCH}') AS INTEGER))"

    def as_sql(  # type: ignore[override]  # writes its own SQL: no function, template or joiner
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.source_expressions)
        weekdays = []
        params: list[Any] = []
        for sql, sql_params in ((end, end_params), (start, start_params)):
            days = self._days(connection, sql)
            weekdays.append(f"(5 * ({days} / 7) + MIN_OR_LEAST({days} %% 7, 5))")
            params += [*sql_params] * 2
        least = "LEAST" if connection.vendor == "postgresql" else "MIN"
        weekdays = [w.replace("MIN_OR_LEAST", least) for w in weekdays]
        holidays = _weekday_holidays()
        if connection.vendor == "postgresql":
            # WIDTH_BUCKET counts the sorted holidays on or before a day by binary search.
            held = (f"(WIDTH_BUCKET(({end})::date, %s::date[]) - WIDTH_BUCKET(({start})::date, %s::date[]))")
            holiday_params = [*end_params, holidays, *start_params, holidays]
        else:
            held = f"(SELECT COUNT(*) FROM JSON_EACH(%s) AS h WHERE h.value > {start} AND h.value <= {end})"
            holiday_params = [_json(holidays), *start_params, *end_params]
        sql = (f"CASE WHEN {end} > {start} THEN {weekdays[0]} - {weekdays[1]} - {held} ELSE 0 END")
        return sql, (*end_params, *start_params, *params, *holiday_params)


def _json(values: list[str]) -> str:
    return json.dumps(values)


class PlusYears(Func):
    """A date `years` years later (29 February goes to 28 February)."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression: Any, years: int, **extra: Any) -> None:
        self.years = int(years)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date + INTERVAL '{self.years} years')::date", params

    def as_sql(  # type: ignore[override]  # writes its own SQL: no function, template or joiner
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        sql, params = compiler.compile(self.source_expressions[0])
        # SQLite's date() rolls 29 February over to 1 March; step back a day when it does.
        shifted = f"DATE({sql}, '+{self.years} years')"
        return (f"CASE WHEN STRFTIME('%%m-%%d', {sql}) = '02-29' AND STRFTIME('%%m-%%d', {shifted}) = '03-01' "
                f"THEN DATE({shifted}, '-1 day') ELSE {shifted} END"), (*params, *params, *params, *params)


class PlusMonths(Func):
    """A date some months later, the months being an expression (a school's setting): the same day
    of the month, or the month's last day when it has no such day (31 January + 1 month is
    28 February), as `dateutil.relativedelta` and PostgreSQL's intervals count."""

    output_field = DateField()
    arity = 2

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Compiled:
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        return (f"(({day})::date + make_interval(months => ({months})::integer))::date",
                (*day_params, *months_params))

    def as_sql(  # type: ignore[override]  # writes its own SQL: no function, template or joiner
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> Compiled:
        day, day_params = compiler.compile(self.source_expressions[0])
        months, months_params = compiler.compile(self.source_expressions[1])
        # SQLite rolls 31 January + 1 month over to 3 March: take the earlier of that and the
        # last day of the month it should land in.
        return (f"MIN(DATE({day}, '+' || ({months}) || ' months'), "
                f"DATE({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))"), (
            *day_params, *months_params, *day_params, *months_params)


__all__ = ["JoinedText", "PlusMonths", "PlusYears", "WorkingDaysBetween"]
