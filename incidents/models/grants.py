"""Object permissions on cases, in django-guardian's direct foreign-key form.

Guardian's generic tables join on a text column and slow down as they grow; these join
on the case's integer key. Rows are written only by `incidents.grants.access_sync`, one per
person, permission and case: the rules grant nothing through groups (so "the cases this
user may see" is one range of the unique index on user, permission and case). The group
table is here so that guardian's checks read an (empty) direct table rather than its generic one.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("incidents.Case", on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "case permission of a person"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("incidents.Case", on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "case permission of a group"
