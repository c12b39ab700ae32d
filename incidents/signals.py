"""Access to cases follows changes to people, however they are made (the admin, `seed_demo`, a
script): at once, and written on the timeline of each case whose grants changed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from incidents import permissions
from incidents.grants import access_sync_cases, access_sync_school
from incidents.models import Case, Membership, School, StaffMember


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="membership_case_access")
def membership_changed(sender, instance, created=False, **kwargs):
    """Someone gained or lost a school-wide role (HR adviser, safeguarding lead): each case of
    that school gives them, or takes away, what the role grants. The events name whoever made
    the change when it was made in the admin (`changed_by`), else no one (the system)."""
    if instance.role not in permissions.SCHOOL_WIDE_ROLES:
        return
    if not School.objects.filter(pk=instance.school_id).exists():  # the school itself is being deleted
        return
    name = instance.user.get_full_name() or instance.user.get_username()
    role, school = instance.get_role_display(), instance.school
    change = "ended for" if kwargs["signal"] is post_delete else "given to" if created else "changed for"
    because = f"Role “{role}” at {school} {change} {name}"
    access_sync_school(school, actor=getattr(instance, "changed_by", None), because=because)


@receiver(post_save, sender=StaffMember, dispatch_uid="staff_record_case_access")
def staff_record_changed(sender, instance, **kwargs):
    """A staff record given a login (or another one): the cases about that employee must grant
    nothing to the person who now is them."""
    access_sync_cases(Case.objects.filter(subject=instance),
                      because=f"Staff record of {instance.full_name} linked to a login")
