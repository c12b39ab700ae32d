"""Access to cases follows changes to people, however they are made (the admin, `seed_demo`, a
script): at once, and written on the timeline of each case whose grants changed."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from incidents import permissions
from incidents.grants import access_sync_cases, access_sync_school
from incidents.models import Case, Membership, Role, School, StaffMember


@receiver(pre_save, sender=Membership, dispatch_uid="membership_before_change")
def membership_before_change(sender, instance, **kwargs):
    """Remember the role and school a membership had, so that one changed in place (HR adviser
    made staff, or moved to another school) also ends what it gave before."""
    instance.before = (Membership.objects.filter(pk=instance.pk).values_list("role", "school_id").first()
                       if instance.pk else None)


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="membership_case_access")
def membership_changed(sender, instance, **kwargs):
    """Someone gained or lost a school-wide role (HR adviser, safeguarding lead): each case of
    that school gives them, or takes away, what the role grants. The events name whoever made
    the change when it was made in the admin (`changed_by`), else no one (the system)."""
    now = (instance.role, instance.school_id)
    before, now = (now, None) if kwargs["signal"] is post_delete else (getattr(instance, "before", None), now)
    if before == now:
        return
    name = instance.user.get_full_name() or instance.user.get_username()
    wide = [(*held, change) for held, change in ((before, "ended for"), (now, "given to"))
            if held and held[0] in permissions.SCHOOL_WIDE_ROLES]
    # in_bulk finds no school when the school itself is being deleted: nothing is left to re-grant
    for school_id, school in School.objects.in_bulk({school_id for _, school_id, _ in wide}).items():
        because = "; ".join(f"Role “{Role(role).label}” at {school} {change} {name}"
                            for role, held_at, change in wide if held_at == school_id)
        access_sync_school(school, actor=getattr(instance, "changed_by", None), because=because)


@receiver(post_save, sender=StaffMember, dispatch_uid="staff_record_case_access")
def staff_record_changed(sender, instance, **kwargs):
    """A staff record given a login (or another one): the cases about that employee must grant
    nothing to the person who now is them."""
    access_sync_cases(Case.objects.filter(subject=instance),
                      because=f"Staff record of {instance.full_name} linked to a login")
