"""The second step of signing in: a code from an authenticator app (TOTP), or a backup code.

Who must take it (`must_use_second_factor`): everyone who can open a case (a headteacher, the chair
of governors, a governor, an investigating officer, a designated safeguarding lead, an HR adviser) and
the administrators, whenever `settings.TWO_FACTOR_REQUIRED` is on (DJANGO_DEBUG off); staff who only
report may set it up, and once they have, they are asked for it too. Until a person who must has
given a code in this session, `incidents.middleware.SecondFactorMiddleware` sends every page they ask
for to the second step: setting it up (`enrolment_device`, `confirm_enrolment`) or giving a code
(`check_code`).

The devices are django-otp's: a `TOTPDevice` ("Authenticator app") and a `StaticDevice` ("Backup
codes") whose tokens are used once each. A wrong code is counted by django-otp, which makes each next
try wait twice as long as the last (1 s, 2 s, 4 s...).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, login as otp_login, verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.http import HttpRequest

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODES = 10
# Backup codes are written in this alphabet (no 0/o, 1/l or i), in two groups of four: "k7fm-2wqa".
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

CODE_MISSING = "Enter the 6-digit code from your authenticator app"
CODE_WRONG = ("That code is not right. Enter the 6-digit code your authenticator app shows now, "
              "or one of your backup codes")
CODE_WRONG_ENROLMENT = ("That code is not right. Enter the 6-digit code your authenticator app shows now "
                        "for Casework")
CODE_WAIT = "That was a wrong code too soon after another. Wait a few seconds, then enter the code your app shows now"


def must_use_second_factor(user: User | AnonymousUser) -> bool:
    """Whether this person must give a second factor to use the product: anyone with a role that can
    open a case, and administrators, while the setting is on; anyone who has set one up, always."""
    if not user.is_authenticated:
        return False
    if has_second_factor(user):
        return True
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    return user.is_staff or user.is_superuser or Membership.objects.filter(user=user).exclude(
        role=Role.STAFF).exists()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    """Whether the person signed in gave a code in this session (django-otp's middleware says so)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def enrolment_device(user: User) -> TOTPDevice:
    """The authenticator app being set up: one unconfirmed device, kept (with its secret) until a
    code from it confirms it, so the QR code stays the same if the page is opened again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=APP_DEVICE_NAME).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The QR code of the device's set-up address, as an SVG element to put in the page: drawn by
    segno with paths and presentation attributes only (no style attribute, no script, no image)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None,
        title="QR code to scan with your authenticator app")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1)


def normalise(code: str) -> str:
    """A code as typed or pasted: spaces and dashes taken out, lower case."""
    return "".join(ch for ch in code if ch not in " -\t\u00a0").lower()


@dataclass(frozen=True)
class Checked:
    device: TOTPDevice | StaticDevice | None
    error: str = ""
    backup_codes_left: int | None = None  # when a backup code was used


def _waiting(device: TOTPDevice | StaticDevice) -> bool:
    allowed, _ = device.verify_is_allowed()
    return not allowed


def confirm_enrolment(request: HttpRequest, device: TOTPDevice, code: str) -> tuple[Checked, list[str]]:
    """Confirms the authenticator app being set up with a code from it; on success, replaces any
    earlier app, makes the backup codes (returned, to be shown once) and marks this session as having
    given its second factor. A wrong code changes nothing but django-otp's count of wrong tries."""
    user = device.user
    code = normalise(code)
    if not code:
        return Checked(None, CODE_MISSING), []
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if _waiting(device):
            return Checked(None, CODE_WAIT), []
        if not (code.isdigit() and len(code) == device.digits):
            return Checked(None, CODE_MISSING), []
        if not device.verify_token(code):
            return Checked(None, CODE_WRONG_ENROLMENT), []
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = make_backup_codes(user)
    otp_login(request, device)
    return Checked(device), codes


def make_backup_codes(user: User) -> list[str]:
    """A new set of backup codes, replacing any earlier set; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = ["".join(secrets.choice(BACKUP_ALPHABET) for _ in range(8)) for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def check_code(request: HttpRequest, user: User, code: str) -> Checked:
    """Checks a code given at sign-in: six digits against the authenticator app, anything else
    against the backup codes (a backup code that matches is used up). On success, this session has
    given its second factor."""
    code = normalise(code)
    if not code:
        return Checked(None, CODE_MISSING)
    devices = [device for device in devices_for_user(user, confirmed=True)
               if isinstance(device, TOTPDevice if code.isdigit() else StaticDevice)]
    if any(_waiting(device) for device in devices):
        return Checked(None, CODE_WAIT)
    for device in devices:
        verified = otp_verify_token(user, device.persistent_id, code)
        if verified is not None:
            otp_login(request, verified)
            left = StaticToken.objects.filter(device=verified).count() if isinstance(verified, StaticDevice) else None
            return Checked(verified, backup_codes_left=left)
    if not devices:
        # A code of the other kind than any device the person has: still a wrong try.
        for device in devices_for_user(user, confirmed=True):
            device.throttle_increment()
    return Checked(None, CODE_WRONG)


def forget_verification(request: HttpRequest) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
