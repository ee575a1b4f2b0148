"""A real SMTP server on loopback for the mail tests: aiosmtpd in a thread, collecting what it receives.

``smtp_server()`` (the factory fixture) starts one on a free port of 127.0.0.1. It can be
stopped and started again on the same port (an outage), and told to refuse recipients
with a given reply (``refuse(address, "550 …")``) to produce bounces.

For the crash and timeout tests it can also be slow or stall:

- ``handler.data_delay``: seconds to wait before answering the end of DATA. The message counts
  as received before the answer, as a server that has queued it: if the client goes meanwhile
  (killed, or timed out), the server has the message and the client never learnt it.
- ``handler.quit_delay``: seconds to wait before answering QUIT (the message was accepted before).
- ``stall()``: from now on, connections on the port are accepted and never answered (not even
  the greeting); ``start()`` again (after ``stop()``) serves normally.
"""

import asyncio
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
        self.data_delay = 0.0
        self.quit_delay = 0.0
        #: Sessions that greeted with EHLO: one per connection (smtplib greets once per connection).
        self.greetings = 0
        self._lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.greetings += 1
        session.host_name = hostname
        return responses

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
        if self.data_delay:  # taken (queued for delivery), the answer still to come
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if self.quit_delay:
            await asyncio.sleep(self.quit_delay)
        return "221 Bye"


class StalledListener:
    """Accepts TCP connections on a port and never says a word (a hung SMTP server)."""

    def __init__(self, host: str, port: int) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(64)
        self._socket.settimeout(0.2)
        self._connections: list[socket.socket] = []
        self._stopped = threading.Event()
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, name="stalled-smtp", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)  # held open, never answered
            self.accepted += 1

    def stop(self) -> None:
        """Close the listener and every connection it holds."""
        self._stopped.set()
        self._thread.join(5)
        self._socket.close()
        for connection in self._connections:
            connection.close()


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
        self._stalled: StalledListener | None = None

    @property
    def running(self) -> bool:
        """True while the server accepts connections."""
        return self._controller is not None

    def start(self) -> None:
        """Listen on ``port`` (again, after an outage: a controller's loop cannot be restarted)."""
        assert not self.running, "already running"
        self._stop_stall()
        self._controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._stop_stall()

    def stall(self) -> None:
        """From now on accept connections on ``port`` but never answer them (until ``start``)."""
        self.stop()
        self._stalled = StalledListener(self.host, self.port)

    @property
    def stalled_connections(self) -> int:
        """How many connections the stalled port has accepted (and left unanswered)."""
        return self._stalled.accepted if self._stalled else 0

    def _stop_stall(self) -> None:
        if self._stalled is not None:
            self._stalled.stop()
            self._stalled = None

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
