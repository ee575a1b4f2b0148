"""SMTP for the outbox: one connection per delivery round, each message's exchange within its deadline.

The standard library's smtplib, not Flask-Mail: Flask-Mail's public API has no timeouts, opens a
connection per ``send`` unless one holds its private Connection, and cannot send the MIME tree of
``plenary.mail.mime``; what it would add over smtplib is the MAIL_* settings, which are read here.

A server that accepts the connection and then never answers, or answers each command slowly,
must not hold a worker: every socket operation (connect, greeting, each command, the data)
waits at most until the deadline of the message being sent, which the caller gives (MAIL_TIMEOUT
after its attempt began, or earlier when the worker's claim on the message ends sooner; see
``plenary.mail.delivery``). Running past it raises ``SMTPTimeout`` and closes the connection.

The server settings are read from the app's configuration when a session opens (not frozen at start).
"""

import smtplib
import time
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app


class SMTPTimeout(TimeoutError):
    """The server did not finish the exchange within the deadline (stalled or too slow)."""


class _Deadline:
    """Mixin for smtplib.SMTP: every socket operation waits only until ``deadline`` (time.monotonic())."""

    def __init__(self, *args, deadline: float, **kwargs) -> None:
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.close()
            raise SMTPTimeout("the SMTP server did not finish within the timeout")
        return left

    def _arm(self) -> None:
        if self.sock:
            self.sock.settimeout(self._remaining())

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(host, port, self._remaining())

    def send(self, s):
        self._arm()
        try:
            return super().send(s)
        except smtplib.SMTPServerDisconnected as exc:
            _raise_timeout(exc)
            raise

    def getreply(self):
        self._arm()
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected as exc:
            _raise_timeout(exc)
            raise


def _raise_timeout(exc: smtplib.SMTPServerDisconnected) -> None:
    """smtplib reports a socket timeout as a lost connection: say what it was."""
    if isinstance(exc.__context__, TimeoutError):
        raise SMTPTimeout("the SMTP server did not answer within the timeout") from exc


class DeadlineSMTP(_Deadline, smtplib.SMTP):
    """smtplib.SMTP whose every exchange ends by a deadline."""


class DeadlineSMTPSSL(_Deadline, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL whose every exchange ends by a deadline."""


def mail_timeout() -> float:
    """MAIL_TIMEOUT: the seconds one message's SMTP exchange may take (with connecting, for the first)."""
    return float(current_app.config.get("MAIL_TIMEOUT") or 20)


def envelope_address(address: str) -> str:
    """The bare address for MAIL FROM / RCPT TO; an internationalised domain in its ASCII (IDNA) form.

    A local part that is not ASCII stays as it is, and the server conversation refuses it
    (UnicodeEncodeError): this app does not speak SMTPUTF8.
    """
    address = parseaddr(address)[1] or address
    if not address.isascii() and "@" in address:
        local, domain = address.rsplit("@", 1)
        address = f"{local}@{domain.encode('idna').decode('ascii')}"
    return address


class SMTPSession:
    """One delivery round's connection: opened by the first message, reused by the next, closed at the end.

    ``send`` is given each message's deadline. A message the server refused (an SMTP answer) leaves the
    connection usable; a timeout or a lost connection closes it (the next message opens a new one).
    ``connections`` counts the connections opened.
    """

    def __init__(self) -> None:
        self.host: smtplib.SMTP | None = None
        self.connections = 0

    def __enter__(self) -> "SMTPSession":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, email: EmailMessage, sender: str, recipient: str, deadline: float) -> None:
        """Send ``email``; delivered once the server has answered the end of DATA."""
        try:
            host = self._connection(deadline)
            host.sendmail(envelope_address(sender), [envelope_address(recipient)], email.as_bytes())
        except SMTPTimeout:
            self._drop()
            raise
        except TimeoutError as exc:  # connecting, or the TLS handshake
            self._drop()
            raise SMTPTimeout("the SMTP server did not answer within the timeout") from exc
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise  # the server answered (and smtplib has reset the transaction): the connection serves on
        except BaseException:
            self._drop()
            raise

    def _connection(self, deadline: float) -> smtplib.SMTP:
        if self.host is not None:
            self.host.deadline = deadline
            return self.host
        config = current_app.config
        smtp_class = DeadlineSMTPSSL if config.get("MAIL_USE_SSL") else DeadlineSMTP
        host = smtp_class(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=mail_timeout(), deadline=deadline)
        self.connections += 1
        try:
            if config.get("MAIL_USE_TLS"):
                host.starttls()
            if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
                host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            host.close()
            raise
        self.host = host
        return host

    def close(self) -> None:
        """Say goodbye (within one more MAIL_TIMEOUT); a server that fails to answer QUIT has taken what it took."""
        if self.host is None:
            return
        host, self.host = self.host, None
        host.deadline = time.monotonic() + mail_timeout()
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()

    def _drop(self) -> None:
        if self.host is not None:
            self.host.close()
            self.host = None
