"""Benchmark: the CSV register of 100k cases against PostgreSQL's own \\copy of the same columns,
and the peak memory of each format at 10k and 100k cases.

Run with `make bench` (not part of the test suite). Needs PostgreSQL and `psql`: it builds a
throw-away database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/casework_bench,
tables made from the models), fills it with SQL in a few seconds, prints its figures and drops it.

- time: the register as HR downloads it (`register_export`: the permission filter, the count, the
  export record, the formula guard, streamed) against `psql -c "\\copy (SELECT the same columns)"`
  with no permission filter and no guard (target: at most 2x);
- memory: the peak of Python allocations (tracemalloc) while a whole register is written and
  thrown away, at 10k and at 100k cases (target: 100k within 10% of 10k).
"""

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casework_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
os.environ.setdefault("CASEWORK_DEV_KEYS", "1")  # the development audit and signing keys
os.environ["DATABASE_URL"] = URL

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from incidents.exports import register  # noqa: E402
from incidents.models import Case, CaseEvent, Clause, Membership, Role, School, StaffMember  # noqa: E402
from tests.bench.common import case_columns, create_database  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

SMALL, LARGE = 10_000, 100_000
REPEATS = 3
PATHS = {  # final stage -> the stages a case went through
    "reported": ["reported"],
    "investigation": ["reported", "investigation"],
    "outcome_issued": ["reported", "investigation", "hearing_scheduled", "outcome_issued"],
    "appeal": ["reported", "investigation", "hearing_scheduled", "outcome_issued", "appeal"],
    "closed": ["reported", "investigation", "closed"],
}


def seed():
    """Two schools: 10k cases at the first, 90k at the second, at five stages, with their events."""
    call_command("loaddata", "rainow_policy", verbosity=0)
    clauses = list(Clause.objects.filter(ref__in=["a", "c"]).values_list("pk", flat=True))
    hr = UserFactory(username="hr")
    people = {role: UserFactory(username=role) for role in ("reporter", "headteacher", "investigator", "chair")}
    schools = []
    for name, prefix in [("Rainow Primary School", "RAI"), ("Bollington Cross", "BOL")]:
        school = School.objects.create(name=name, reference_prefix=prefix)
        Membership.objects.create(user=hr, school=school, role=Role.HR_ADVISER)
        schools.append(school)
    subject = StaffMember.objects.create(school=schools[0], full_name="Alex Employee")
    formula = StaffMember.objects.create(school=schools[0], full_name="=HYPERLINK(\"http://x\")")
    stages = list(PATHS)
    with connection.cursor() as cursor:
        for school, first, last in ((schools[0], 1, SMALL), (schools[1], SMALL + 1, LARGE)):
            columns, values = case_columns({
                "uuid": "gen_random_uuid()", "reference": f"'{school.reference_prefix}-' || i",
                "year": "2026", "number": "i", "school_id": str(school.pk),
                "kind": "CASE WHEN i % 7 = 0 THEN 'compromised_account' ELSE 'breach' END",
                "reporter_id": str(people["reporter"].pk),
                "subject_id": f"CASE WHEN i % 10 = 0 THEN {formula.pk} ELSE {subject.pk} END",
                "platform": "'facebook'", "description": "'A post criticising parents.'",
                "reported_at": "TIMESTAMPTZ '2024-01-01 09:00+00' + (i % 700) * INTERVAL '1 day'",
                "case_manager_id": str(people["headteacher"].pk),
                "investigating_officer_id": f"CASE WHEN i % 5 > 0 THEN {people['investigator'].pk} END",
                "state": "(ARRAY[" + ", ".join(f"'{s}'" for s in stages) + "])[i % 5 + 1]",
                "suspension": "'not_suspended'",
                "outcome": "CASE WHEN i % 5 IN (2, 3) THEN 'final_written_warning' ELSE '' END",
                "warning_expires_on": "CASE WHEN i % 5 IN (2, 3) THEN DATE '2026-06-01' END",
            })
            cursor.execute(f'INSERT INTO "{Case._meta.db_table}" ({columns}) '
                           f"SELECT {values} FROM generate_series({first}, {last}) AS i")
        paths = ", ".join(f"('{final}', {sequence}, '{state}')" for final, path in PATHS.items()
                          for sequence, state in enumerate(path, start=1))
        cursor.execute(f"""
            INSERT INTO "{CaseEvent._meta.db_table}" (case_id, sequence, kind, actor_id, transition, from_state,
                to_state, note, details, at, previous_hash, hash)
            SELECT c.id, p.sequence, 'transition', {people['headteacher'].pk}, '', '', p.state, '', '{{}}'::jsonb,
                   c.reported_at + (p.sequence - 1) * INTERVAL '3 days', '', md5(c.id::text || p.sequence)
            FROM "{Case._meta.db_table}" c JOIN (VALUES {paths}) AS p(final, sequence, state) ON p.final = c.state""")
        cursor.execute(f"""INSERT INTO "{Case.clauses.through._meta.db_table}" (case_id, clause_id)
                           SELECT id, CASE WHEN id % 2 = 0 THEN {clauses[0]} ELSE {clauses[1]} END
                           FROM "{Case._meta.db_table}" """)
        cursor.execute(f"""INSERT INTO "{Case.hearing_panel.through._meta.db_table}" (case_id, user_id)
                           SELECT id, {people['chair'].pk} FROM "{Case._meta.db_table}"
                           WHERE state IN ('outcome_issued', 'appeal')""")
        grant_exports(cursor, hr, schools)
        cursor.execute("ANALYZE")
    return hr, schools


def grant_exports(cursor, hr, schools):
    """The HR adviser may export every case of both schools: the grants the product keeps
    (a row of guardian's direct foreign-key table per case and permission), written in bulk."""
    from incidents.models.grants import CaseUserObjectPermission
    from incidents.permissions import permission_id

    table = CaseUserObjectPermission._meta.db_table
    for codename in ("view_case", "export_case"):
        cursor.execute(f'INSERT INTO "{table}" (content_object_id, user_id, permission_id) '
                       f'SELECT id, {hr.pk}, {permission_id(codename)} FROM "{Case._meta.db_table}" '
                       f"WHERE school_id IN ({', '.join(str(school.pk) for school in schools)})")


def psql_copy_seconds() -> float:
    rows = register.register_rows(Case.objects.all(), guard=False)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params)
    query = query.decode() if isinstance(query, bytes) else query
    command = ["psql", URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"\\copy ({query}) TO '/dev/null' WITH (FORMAT csv)"]
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subprocess.run(command, check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def export(hr, file_format: str, school=None) -> int:
    content, rows, _ = register.register_export(by=hr, file_format=file_format,
                                                filters=register.RegisterFilters(school=school))
    size = 0
    if file_format == "xlsx":
        with content:
            while chunk := content.read(1 << 20):
                size += len(chunk)
    else:
        for chunk in content:
            size += len(chunk)
    return rows


def timed(hr, file_format: str, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        export(hr, file_format)
        times.append(time.perf_counter() - started)
    return min(times)


def peak(hr, file_format: str, school=None) -> tuple[int, int]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    rows = export(hr, file_format, school)
    _, highest = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, highest


def main():
    started = time.perf_counter()
    create_database(URL, migrate=False)
    try:
        hr, schools = seed()
        exportable = register.register_cases(hr, register.RegisterFilters()).count()
        assert exportable == LARGE, f"the HR adviser may export {exportable} cases, not {LARGE:,}"
        print(f"Seeded {Case.objects.count():,} cases and {CaseEvent.objects.count():,} events "
              f"in {time.perf_counter() - started:.1f} s (PostgreSQL).")
        baseline = psql_copy_seconds()
        ours = timed(hr, "csv")
        print(f"\nCSV register of {LARGE:,} cases, best of {REPEATS} (target: within 2x of \\copy)")
        print(f"  psql \\copy of the same columns:  {baseline:7.2f} s")
        print(f"  the register (filter + guard):    {ours:7.2f} s")
        print(f"  ratio:                            {ours / baseline:7.2f}x")
        for file_format in ("json", "xlsx"):
            print(f"  {file_format.upper()} register for comparison:     {timed(hr, file_format, 1):7.2f} s")
        print("\nPeak Python memory while writing a register (tracemalloc; target: 100k within 10% of 10k)")
        for file_format in ("csv", "json", "xlsx"):
            small_rows, small = peak(hr, file_format, schools[0].pk)
            large_rows, large = peak(hr, file_format, None)
            print(f"  {file_format:5} {small_rows:>7,} cases: {small / 1e6:6.2f} MB   {large_rows:>7,} cases: "
                  f"{large / 1e6:6.2f} MB   ({(large / small - 1) * 100:+.1f}%)")
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
