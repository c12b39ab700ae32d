"""Keep each person's school-role groups (through which HR advisers and safeguarding leads
hold their permissions on cases) in step with their memberships, however they change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidents.grants import role_group_sync
from incidents.models import Membership


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="membership_role_groups")
def membership_changed(sender, instance, **kwargs):
    role_group_sync(instance.user)
