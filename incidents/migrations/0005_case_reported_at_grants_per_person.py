from collections import defaultdict

from django.conf import settings
from django.db import migrations, models


def grants_per_person(apps, schema_editor):
    """HR advisers and safeguarding leads held their grants through a group per school and role;
    each member now holds them as their own (never on a case about themselves), and the groups go."""
    GroupGrant = apps.get_model("incidents", "CaseGroupObjectPermission")
    UserGrant = apps.get_model("incidents", "CaseUserObjectPermission")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    members = defaultdict(list)
    for group_id, user_id in User.groups.through.objects.values_list("group_id", "user_id"):
        members[group_id].append(user_id)
    grants = []
    for grant in GroupGrant.objects.select_related("content_object__subject"):
        case = grant.content_object
        subject_user = case.subject.user_id if case.subject_id else None
        grants += [UserGrant(content_object_id=case.pk, user_id=user, permission_id=grant.permission_id)
                   for user in members[grant.group_id] if user != subject_user]
    UserGrant.objects.bulk_create(grants, batch_size=1000, ignore_conflicts=True)
    GroupGrant.objects.all().delete()
    prefixes = apps.get_model("incidents", "School").objects.values_list("reference_prefix", flat=True)
    apps.get_model("auth", "Group").objects.filter(
        name__in=[f"{prefix}: {role}" for prefix in prefixes for role in ("hr_adviser", "dsl")]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0004_exports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['reported_at'], name='case_reported_at'),
        ),
        migrations.RunPython(grants_per_person, migrations.RunPython.noop),
    ]
