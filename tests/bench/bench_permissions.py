"""Benchmark: "the cases this user may see" on 100k cases and about 1.4 million object permissions,
through the project's direct foreign-key grant table against django-guardian's generic tables.

Run with `make bench` (not part of the test suite). Needs PostgreSQL: it builds a throw-away
database (BENCH_PERMISSIONS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/casework_bench,
made by the migrations), fills it with SQL, prints its figures and drops it (BENCH_KEEP=1 keeps it).

Data: 100k cases at 8 schools (one of 30k, seven of 10k) with the grants `permissions.deserved_grants`
gives them (reporter, case manager, investigating officer, hearing and appeal panels, HR advisers on
every case of their schools, DSLs on the safeguarding ones, each a row of its own), about 1.5M rows
in CaseUserObjectPermission, and the very same grants copied into guardian's generic
UserObjectPermission (object_pk as text + content type).

Measured with warm caches, median of RUNS runs, for a headteacher (case manager of the largest
school) and a trust HR adviser (every case of 8 schools):

1. "the cases a user may see": how many (`selectors.case_count`) and which are the first 25 by
   -reported_at (`selectors.cases_visible_to`, their ids), against the same through the generic
   tables, two ways: guardian's own `get_objects_for_user(user, "incidents.view_case", Case)`
   (count + page) with the direct models switched off (guardian's `enabled = False`), and the
   project's own query shape written by hand against the generic tables (the count of the person's
   grant rows; the page probing object_pk = id::text). For information, the same with the 25 cases
   loaded as model instances (a cost Django adds equally to both sides, which the HR case list
   below includes) and with an exact count;
2. the HR case list: `selectors.case_list` paginated as the view does (count + page + clauses), and
   the whole page through Django's test Client, at page sizes 25 and 100, with the number of queries;
   and, for information, the list narrowed by a filter (counted over the cases, not the grants);
3. for information, a role given in the admin: a new HR adviser at a school of 10,000 cases, the
   role given (`roles.role_give`) and then each case granted and its timeline told by the
   background worker (`grants.access_update_school`, in batches).

Targets: within 20 ms (the selectors, count + page: the database and the ORM; the whole page adds
Django's rendering of the filter form and the rows, and is printed for information); at least 10x
faster than guardian's generic tables (wall time; the time inside the database is printed beside
it); the number of queries the same at 25 and 100 a page.
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
URL = os.environ.get("BENCH_PERMISSIONS_DATABASE_URL",
                     os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casework_bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
os.environ.setdefault("CASEWORK_DEV_KEYS", "1")  # the development audit and signing keys
os.environ["DATABASE_URL"] = URL

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import CharField, Exists, OuterRef  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from guardian.models import UserObjectPermission  # noqa: E402
from guardian.shortcuts import get_objects_for_user  # noqa: E402

from incidents import permissions, selectors  # noqa: E402
from incidents.grants import access_sync  # noqa: E402
from incidents.models import (  # noqa: E402
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Clause,
    Membership,
    Policy,
    Role,
    School,
    StaffMember,
)
from incidents.roles import role_give  # noqa: E402
from incidents.views.cases import CaseListView  # noqa: E402
from tests.bench.common import case_columns, create_database  # noqa: E402

User = get_user_model()
TOTAL = 100_000
SCHOOLS = [("Rainow Primary School", "RAI", 30_000)] + [
    (f"Bench School {n}", f"BS{n}", 10_000) for n in range(1, 8)]
STAFF_PER_SCHOOL = 200
GOVERNORS = 6  # 3 sit on hearings, the other 3 on appeals
INVESTIGATORS = 4
RUNS = 25
GENERIC_RUNS = 5  # each takes 40-180 ms
WARM = 5
PAGE = 25
TARGET_MS = 20.0
TARGET_RATIO = 10.0
# The stage of case i is STAGES[i % 10]: the panels are on the cases that reached a hearing.
STAGES = ["reported", "reported", "containment", "investigation", "investigation", "investigation",
          "hearing_scheduled", "outcome_issued", "appeal", "closed"]
HEARD = ("hearing_scheduled", "outcome_issued", "appeal")


def _array(ids) -> str:
    return "ARRAY[" + ", ".join(str(i) for i in ids) + "]::bigint[]"


def _users(names: list[str]) -> list[int]:
    User.objects.bulk_create([User(username=name, first_name=name.split("-")[0].title(), last_name=name)
                              for name in names])
    return list(User.objects.filter(username__in=names).order_by("pk").values_list("pk", flat=True))


def seed():
    """8 schools, their people, 100k cases and the grants each should have, in SQL."""
    call_command("loaddata", "rainow_policy", verbosity=0)
    policy = Policy.objects.first()
    clauses = list(Clause.objects.filter(ref__in=["a", "c"]).values_list("pk", flat=True))
    hr = User.objects.create(username="hr", first_name="Hana", last_name="Adviser")
    case_table, first = Case._meta.db_table, 1
    heads = {}
    for name, prefix, size in SCHOOLS:
        school = School.objects.create(name=name, reference_prefix=prefix, policy=policy)
        head, chair = _users([f"head-{prefix}", f"chair-{prefix}"])
        heads[prefix] = head
        dsl = _users([f"dsl-{prefix}"])[0]
        investigators = _users([f"io-{prefix}-{n}" for n in range(INVESTIGATORS)])
        governors = _users([f"governor-{prefix}-{n}" for n in range(GOVERNORS)])
        staff = _users([f"staff-{prefix}-{n}" for n in range(STAFF_PER_SCHOOL)])
        roles = ([(hr.pk, Role.HR_ADVISER), (head, Role.HEADTEACHER), (chair, Role.CHAIR_OF_GOVERNORS),
                  (dsl, Role.DSL)] + [(u, Role.INVESTIGATING_OFFICER) for u in investigators]
                 + [(u, Role.GOVERNOR) for u in governors] + [(u, Role.STAFF) for u in staff])
        Membership.objects.bulk_create([Membership(user_id=u, school=school, role=r) for u, r in roles])
        StaffMember.objects.bulk_create(
            [StaffMember(school=school, user_id=head, full_name=f"Head {prefix}", job_title="Headteacher")]
            + [StaffMember(school=school, user_id=u, full_name=f"Staff {prefix} {n}") for n, u in enumerate(staff)])
        head_record = StaffMember.objects.get(school=school, user_id=head).pk
        records = list(StaffMember.objects.filter(school=school, user_id__in=staff).order_by("user_id")
                       .values_list("pk", flat=True))
        n = len(staff)
        # Case i: reported by staff[i % n] about staff[(i + 1) % n], except one case in 500, about the
        # headteacher, which the chair of governors manages instead.
        columns, values = case_columns({
            "uuid": "gen_random_uuid()", "reference": f"'{prefix}-' || i", "year": "2026", "number": "i",
            "school_id": str(school.pk),
            "kind": "CASE WHEN i % 7 = 0 THEN 'compromised_account' ELSE 'breach' END",
            "reporter_id": f"({_array(staff)})[i % {n} + 1]",
            "subject_id": (f"CASE WHEN i % 500 = 0 THEN {head_record} "
                           f"ELSE ({_array(records)})[(i + 1) % {n} + 1] END"),
            "platform": "'facebook'", "description": "'A post criticising parents.'",
            "safeguarding": "i % 10 = 1",
            "reported_at": "TIMESTAMPTZ '2023-09-01 09:00+00' + ((i * 7919) % 100003) * INTERVAL '15 minutes'",
            "case_manager_id": f"CASE WHEN i % 500 = 0 THEN {chair} ELSE {head} END",
            "investigating_officer_id": (f"CASE WHEN i % 5 > 0 "
                                         f"THEN ({_array(investigators)})[i % {INVESTIGATORS} + 1] END"),
            "state": "(ARRAY[" + ", ".join(f"'{s}'" for s in STAGES) + "])[i % 10 + 1]",
            "suspension": "'not_suspended'",
        })
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{case_table}" ({columns}) '
                           f"SELECT {values} FROM generate_series({first}, {first + size - 1}) AS i")
            heard = ", ".join(f"'{s}'" for s in HEARD)
            cursor.execute(f"""INSERT INTO "{Case.hearing_panel.through._meta.db_table}" (case_id, user_id)
                SELECT c.id, g FROM "{case_table}" c, unnest({_array(governors[:3])}) AS g
                WHERE c.school_id = {school.pk} AND c.state IN ({heard})""")
            cursor.execute(f"""INSERT INTO "{Case.appeal_panel.through._meta.db_table}" (case_id, user_id)
                SELECT c.id, g FROM "{case_table}" c, unnest({_array(governors[3:])}) AS g
                WHERE c.school_id = {school.pk} AND c.state = 'appeal'""")
        first += size
    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO "{Case.clauses.through._meta.db_table}" (case_id, clause_id)
                           SELECT id, CASE WHEN id % 2 = 0 THEN {clauses[0]} ELSE {clauses[1]} END
                           FROM "{case_table}" """)
        # the grants are consistent by construction: load them without a foreign-key check per row
        cursor.execute("SET session_replication_role = replica")
        try:
            grant(cursor)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE")
    return User.objects.get(pk=heads["RAI"]), hr


def grant(cursor):
    """The grants of `permissions.deserved_grants`, for every case at once, in both forms."""
    perm = permissions.permission_ids()
    case_table, staff_table = Case._meta.db_table, StaffMember._meta.db_table
    hearing, appeal = Case.hearing_panel.through._meta.db_table, Case.appeal_panel.through._meta.db_table
    membership = Membership._meta.db_table
    involved = f"""
        SELECT id AS case_id, reporter_id AS user_id, {perm['view_own_report']} AS permission_id FROM "{case_table}"
        UNION ALL SELECT id, reporter_id, {perm['withdraw_report']} FROM "{case_table}"
        UNION ALL SELECT id, case_manager_id, p FROM "{case_table}",
            unnest(ARRAY[{perm['view_case']}, {perm['manage_case']}, {perm['refer_safeguarding']},
                         {perm['view_special_category']}]) AS p
        UNION ALL SELECT id, investigating_officer_id, p FROM "{case_table}",
            unnest(ARRAY[{perm['view_case']}, {perm['investigate_case']}, {perm['view_special_category']}]) AS p
            WHERE investigating_officer_id IS NOT NULL
        UNION ALL SELECT case_id, user_id, p FROM "{hearing}",
            unnest(ARRAY[{perm['view_case']}, {perm['hear_case']}]) AS p
        UNION ALL SELECT case_id, user_id, p FROM "{appeal}",
            unnest(ARRAY[{perm['view_case']}, {perm['hear_appeal']}]) AS p
        UNION ALL SELECT c.id, m.user_id, p FROM "{case_table}" c JOIN "{membership}" m
            ON m.school_id = c.school_id AND m.role = '{Role.HR_ADVISER}',
            unnest(ARRAY[{perm['view_case']}, {perm['export_case']}, {perm['view_special_category']}]) AS p
        UNION ALL SELECT c.id, m.user_id, p FROM "{case_table}" c JOIN "{membership}" m
            ON m.school_id = c.school_id AND m.role = '{Role.DSL}',
            unnest(ARRAY[{perm['view_case']}, {perm['refer_safeguarding']}, {perm['view_special_category']}]) AS p
            WHERE c.safeguarding
    """
    # the reporter's two are theirs even about themselves; the others never are (deserved_grants)
    cursor.execute(f"""
        INSERT INTO "{CaseUserObjectPermission._meta.db_table}" (content_object_id, user_id, permission_id)
        SELECT DISTINCT g.case_id, g.user_id, g.permission_id FROM ({involved}) g
        JOIN "{case_table}" c ON c.id = g.case_id LEFT JOIN "{staff_table}" s ON s.id = c.subject_id
        WHERE g.user_id IS DISTINCT FROM s.user_id
           OR g.permission_id IN ({perm['view_own_report']}, {perm['withdraw_report']})
        ORDER BY g.case_id""")
    content_type = ContentType.objects.get_for_model(Case).pk
    cursor.execute(f"""
        INSERT INTO "{UserObjectPermission._meta.db_table}" (content_type_id, object_pk, user_id, permission_id)
        SELECT {content_type}, content_object_id::text, user_id, permission_id
        FROM "{CaseUserObjectPermission._meta.db_table}" ORDER BY id""")


def check_grants(samples: int = 40) -> None:
    """The SQL gave each case exactly what the product's own `access_sync` would (changes nothing)."""
    numbers = [1 + (k * 2503) % TOTAL for k in range(samples)] + [500, 1000, 1006, 1007, 1008, 1011]
    picked = Case.objects.filter(number__in=numbers)
    for case in picked.select_related("school", "subject"):
        changes = access_sync(case=case)
        assert not changes, f"bench grants differ from deserved_grants on {case.reference}: {changes}"


# -- the queries compared ---------------------------------------------------------------------

class generic_guardian:
    """Within this block guardian uses its generic tables for cases (the direct models are off)."""

    def __enter__(self):
        CaseUserObjectPermission.enabled = CaseGroupObjectPermission.enabled = False

    def __exit__(self, *exc):
        del CaseUserObjectPermission.enabled, CaseGroupObjectPermission.enabled


def first_page(cases, load: bool) -> list[int]:
    """The first page by -reported_at: its ids only, or its cases loaded as model instances."""
    page = cases.order_by("-reported_at")[:PAGE]
    return [case.pk for case in page] if load else list(page.values_list("pk", flat=True))


def counted(cases, exact: bool) -> int:
    """How many, as the case list counts them (no further than COUNT_LIMIT + 1), or exactly."""
    return cases.count() if exact else cases[: selectors.COUNT_LIMIT + 1].count()


def visible_ours(user, exact=False, load=False):
    """What the case list asks: how many (from the person's grants), and the first page."""
    count = selectors._grants(user, "view_case").count() if exact else selectors.case_count(user)
    return count, first_page(selectors.cases_visible_to(user), load)


def visible_guardian(user, exact=False, load=False):
    with generic_guardian():
        cases = get_objects_for_user(user, "incidents.view_case", Case, accept_global_perms=False,
                                     with_superuser=False)
    return counted(cases, exact), first_page(cases, load)


def visible_generic_by_hand(user, exact=False, load=False):
    """The project's own query shape written against the generic tables."""
    content_type = ContentType.objects.get_for_model(Case)
    permission = Permission.objects.get(content_type=content_type, codename="view_case")
    grants = UserObjectPermission.objects.filter(content_type=content_type, user=user, permission=permission)
    probe = grants.filter(object_pk=Cast(OuterRef("pk"), CharField()))
    return counted(grants, exact), first_page(Case.objects.filter(Exists(probe)), load)


def timed(call, runs: int = RUNS) -> tuple[float, object]:
    """Median wall time in ms of `call()` after WARM warm-up calls, and its last result."""
    gc.collect()  # not a collection of the seeding's garbage inside the timed calls
    for _ in range(WARM):
        result = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def database_ms(call, runs: int = RUNS) -> float:
    """Median time in ms that `call()` spends waiting on the database (every query, end to end)."""
    spent = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[-1] += time.perf_counter() - started

    with connection.execute_wrapper(timer):
        for _ in range(runs):
            spent.append(0.0)
            call()
    return statistics.median(spent) * 1000


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def case_list_page(user, per_page: int, filters: selectors.CaseFilters | None = None):
    """What CaseListView asks of the database for the first page, without the template."""
    filters = filters or selectors.CaseFilters()
    paginator = Paginator(selectors.case_list(user, filters), per_page)
    paginator.count = selectors.case_count(user, filters, limit=max(selectors.COUNT_LIMIT, per_page))
    return paginator.count, selectors.case_rows(paginator.page(1).object_list)


def view_page(client, per_page: int):
    CaseListView.paginate_by = per_page
    try:
        response = client.get(reverse("incidents:case_list"), secure=True)
    finally:
        CaseListView.paginate_by = PAGE
    assert response.status_code == 200, response.status_code
    return response.content.decode().count("<tr>") - 1  # the rows shown, less the heading


def explain(cases, label: str) -> None:
    sql, params = cases.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\n  EXPLAIN ANALYZE, {label}:")
    for line in plan:
        print(f"    {line}")


# -- the report -------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main():
    started = time.perf_counter()
    create_database(URL, migrate=True)
    try:
        head, hr = seed()
        seeded = time.perf_counter() - started
        check_grants()
        direct, generic = CaseUserObjectPermission.objects.count(), UserObjectPermission.objects.count()
        print(f"Seeded {Case.objects.count():,} cases at {School.objects.count()} schools, {direct:,} grant rows "
              f"(CaseUserObjectPermission) and the same {generic:,} in guardian's generic table, in {seeded:.1f} s "
              f"(PostgreSQL, migrated; grants checked against access_sync on a sample).")
        results = []  # (target, figure, ok)

        limit = selectors.COUNT_LIMIT
        print(f"\n1. The cases a user may see: how many (up to {limit:,}, as the case list counts) + the ids of "
              f"the first {PAGE} by -reported_at, warm, median of {RUNS} (the generic tables: of {GENERIC_RUNS}) (ms)")
        header = (f"  {'user':36} {'cases':>7} {'ours':>8} {'guardian':>9} {'by hand':>8} {'x guardian':>11}"
                  f" {'x by hand':>10}   in the database: {'ours':>5} {'guardian':>8} {'x':>6}")
        print(header)
        informative = {"loaded": [], "exact": []}
        users = (("headteacher RAI (case manager)", head), ("HR adviser, 8 schools", hr))
        for kind, exact, load in (("ids", False, False), ("loaded", False, True), ("exact", True, False)):
            for label, user in users:
                ours_ms, ours = timed(lambda: visible_ours(user, exact, load))
                theirs_ms, theirs = timed(lambda: visible_guardian(user, exact, load), runs=GENERIC_RUNS)
                hand_ms, hand = timed(lambda: visible_generic_by_hand(user, exact, load), runs=GENERIC_RUNS)
                ours_db, theirs_db = database_ms(lambda: visible_ours(user, exact, load)), database_ms(
                    lambda: visible_guardian(user, exact, load), runs=GENERIC_RUNS)
                assert ours[0] == theirs[0] == hand[0], (label, ours[0], theirs[0], hand[0])
                assert ours[1] == hand[1], label  # same order; guardian's too, ties apart
                row = (f"  {label:36} {ours[0]:>7,} {ours_ms:8.1f} {theirs_ms:9.1f} {hand_ms:8.1f} "
                       f"{theirs_ms / ours_ms:10.1f}x {hand_ms / ours_ms:9.1f}x"
                       f"   {'':16} {ours_db:5.1f} {theirs_db:8.1f} {theirs_db / ours_db:5.1f}x")
                if exact:
                    assert ours[0] == selectors.cases_visible_to(user).count()
                if kind != "ids":
                    informative[kind].append(row)
                    continue
                print(row)
                results.append((f"cases visible, {label}: within {TARGET_MS:.0f} ms", f"{ours_ms:.1f} ms",
                                ours_ms <= TARGET_MS))
                results.append((f"cases visible, {label}: >= {TARGET_RATIO:.0f}x guardian generic",
                                f"{theirs_ms / ours_ms:.1f}x", theirs_ms / ours_ms >= TARGET_RATIO))
        print(f"  For information, the same with the {PAGE} cases loaded as model instances (Django's building of"
              " them costs the same both ways):")
        print("\n".join(informative["loaded"]))
        print("  For information, the same with an exact count (every grant read, each way):")
        print("\n".join(informative["exact"]))

        print(f"\n2. The HR adviser's case list, first page, median of {RUNS}, warm")
        client = Client(HTTP_HOST="localhost")
        client.force_login(hr)
        print(f"  {'per page':>8} {'cases':>7} {'count+page ms':>14} {'queries':>8} "
              f"{'whole page ms':>14} {'queries':>8}")
        counts = {}
        for per_page in (PAGE, 100):
            list_ms, (total, rows) = timed(lambda: case_list_page(hr, per_page))
            list_queries = queries(lambda: case_list_page(hr, per_page))
            page_ms, shown = timed(lambda: view_page(client, per_page))
            page_queries = queries(lambda: view_page(client, per_page))
            assert len(rows) == shown == per_page, (len(rows), shown)
            counts[per_page] = (list_queries, page_queries)
            print(f"  {per_page:>8} {total:>7,} {list_ms:14.1f} {list_queries:>8} {page_ms:14.1f} {page_queries:>8}")
            results.append((f"case_list count + page of {per_page}: within {TARGET_MS:.0f} ms", f"{list_ms:.1f} ms",
                            list_ms <= TARGET_MS))
        same = counts[PAGE] == counts[100]
        results.append(("queries independent of page size (selector / view)",
                        f"{counts[PAGE][0]}/{counts[PAGE][1]} at {PAGE}, "
                        f"{counts[100][0]}/{counts[100][1]} at 100", same))
        print("  For information, narrowed (counted over the cases, not the grants):")
        for name, narrowed in (("stage: investigation", selectors.CaseFilters(stage="investigation")),
                               ("one school of 10,000", selectors.CaseFilters(
                                   school=School.objects.get(reference_prefix="BS1").pk)),
                               ("search: a reference", selectors.CaseFilters(search="RAI-2026-1"))):
            narrowed_ms, (total, _) = timed(lambda: case_list_page(hr, PAGE, narrowed))
            print(f"  {name:>22} {total:>7,} {narrowed_ms:9.1f} ms")

        print("\n3. A role given: a new HR adviser at a school of 10,000 cases (for information; once, as the"
              " admin does it: the role given in the request, the cases re-granted by the background worker)")
        school = School.objects.get(reference_prefix="BS1")
        adviser = User.objects.create(username="hr-new", first_name="Nia", last_name="Adviser")
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            with CaptureQueriesContext(connection) as given:
                started_role = time.perf_counter()
                with transaction.atomic():
                    role_give(user=adviser, school=school, role=Role.HR_ADVISER, by=None)
                role_ms = (time.perf_counter() - started_role) * 1000
            assert not CaseUserObjectPermission.objects.filter(user=adviser).exists()  # queued, not done
            with CaptureQueriesContext(connection) as worked:
                started_worker = time.perf_counter()
                call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
                worker_s = time.perf_counter() - started_worker
        granted = CaseUserObjectPermission.objects.filter(user=adviser).count()
        assert granted == 3 * 10_000 and selectors._grants(adviser, "view_case").count() == 10_000
        print(f"  the request: {role_ms:.0f} ms, {len(given)} queries (the role, and the work queued)")
        print(f"  the worker: {worker_s:.1f} s, {len(worked)} queries: {granted:,} grants and 10,000 timeline "
              "events written")

        print("\nTargets")
        for target, figure, ok in results:
            print(f"  {verdict(ok)}  {target:64} {figure}")

        if os.environ.get("BENCH_EXPLAIN") or not all(ok for _, _, ok in results):
            print("\nWhere the time goes (EXPLAIN ANALYZE; set BENCH_EXPLAIN=1 to print it always)")
            for label, user in (("headteacher", head), ("HR adviser", hr)):
                explain(selectors.cases_visible_to(user).order_by("-reported_at")[:PAGE],
                        f"{label}, first page of cases_visible_to")
                explain(selectors._grants(user, "view_case")[: selectors.COUNT_LIMIT + 1].values("pk"),
                        f"{label}, the grants case_count counts")
            explain(selectors.case_list(hr, selectors.CaseFilters())[:PAGE], "HR adviser, first page of case_list")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
