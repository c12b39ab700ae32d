from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from incidents import keys, permissions  # noqa: F401  (keys: its check for `check --deploy`)

        post_migrate.connect(permissions.forget_permission_ids, dispatch_uid="forget_case_permission_ids")
