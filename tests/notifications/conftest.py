"""A real SMTP server on loopback (aiosmtpd) for the notification tests, and a dead one."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Arrived:
    """One email as the SMTP server received it."""

    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()


class Inbox:
    """What the server has received, in order."""

    def __init__(self) -> None:
        self.arrived: list[Arrived] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.arrived.append(Arrived(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Arrived]:
        return [item for item in self.arrived if address in item.recipients]

    def one_to(self, address: str) -> Arrived:
        found = self.to(address)
        assert len(found) == 1, f"{len(found)} emails to {address}: {[item.subject for item in self.arrived]}"
        return found[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = "https://casework.example"


@pytest.fixture
def smtp(settings):
    """An SMTP server on 127.0.0.1 that Django's mail sends to; yields its `Inbox`."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    _use_smtp(settings, controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def dead_smtp(settings):
    """Django's mail pointed at a loopback port where nothing listens: every send is refused."""
    _use_smtp(settings, _free_port())
