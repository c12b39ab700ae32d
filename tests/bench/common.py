"""What the benchmarks share: a throw-away PostgreSQL database and fast SQL inserts of cases.
Import it after django.setup()."""

from urllib.parse import urlsplit

from django.db import connection, models

from incidents.models import Case


def create_database(url: str, *, migrate: bool) -> None:
    """Create (or recreate) the database named in `url` and point the connection at it."""
    connection.settings_dict["TEST"].update({"NAME": urlsplit(url).path.lstrip("/"), "MIGRATE": migrate})
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def case_columns(overrides: dict) -> tuple[str, str]:
    """The column list and SQL values of an INSERT into the case table: `overrides` by column,
    NULL, false or '' for the rest."""
    columns, values = [], []
    for field in Case._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in overrides:
            value = overrides[field.column]
        elif field.null:
            value = "NULL"
        elif isinstance(field, models.BooleanField):
            value = "false"
        elif isinstance(field, (models.CharField, models.TextField)):
            value = "''"
        else:
            raise RuntimeError(f"No bench value for Case.{field.name}")
        columns.append(f'"{field.column}"')
        values.append(value)
    return ", ".join(columns), ", ".join(values)
