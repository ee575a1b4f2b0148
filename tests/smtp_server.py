"""A real SMTP server on loopback for the mail tests: aiosmtpd in a thread, collecting what it receives.

``smtp_server()`` (the factory fixture) starts one on a free port of 127.0.0.1. It can be
stopped and started again on the same port (an outage), and told to refuse recipients
with a given reply (``refuse(address, "550 …")``) to produce bounces.
"""

import email
import email.policy
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server accepted it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class CollectingHandler:
    """aiosmtpd handler: accept (or refuse, as configured) and keep every message."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.refused: dict[str, str] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refused.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class SMTPServer:
    """A running (or stopped) aiosmtpd server on a fixed port."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = free_port()
        self.handler = CollectingHandler()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        """True while the server accepts connections."""
        return self._controller is not None

    def start(self) -> None:
        """Listen on ``port`` (again, after an outage: a controller's loop cannot be restarted)."""
        assert not self.running, "already running"
        self._controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer RCPT TO ``address`` with ``reply`` from now on."""
        self.handler.refused[address.lower()] = reply

    @property
    def received(self) -> list[ReceivedMail]:
        """Everything received so far, in order."""
        with self.handler._lock:
            return list(self.handler.received)

    def received_by(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named ``address``."""
        return [mail.message for mail in self.received if address in mail.rcpt_tos]

    def recipient_counts(self) -> Counter:
        """How many messages each envelope recipient got."""
        return Counter(rcpt for mail in self.received for rcpt in mail.rcpt_tos)


@pytest.fixture
def smtp_server():
    """Factory: start a real SMTP server on a free loopback port; all are stopped afterwards."""
    servers = []

    def start() -> SMTPServer:
        server = SMTPServer()
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
