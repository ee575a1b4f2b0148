"""SMTP for the outbox: one message per connection, the whole exchange within one deadline.

A server that accepts the connection and then never answers, or answers each command slowly,
must not hold a worker: every socket operation (connect, greeting, each command, the data)
waits at most until the deadline of the exchange, which is MAIL_TIMEOUT seconds after it
began (or earlier, when the worker's claim on the message ends sooner; see
``plenary.mail.delivery``). Running past it raises ``SMTPTimeout``.

The server settings are read from the app's configuration when a message is sent (not frozen
when the extension was set up).
"""

import smtplib
import time

from flask import current_app
from flask_mail import Connection, Mail, Message


class SMTPTimeout(TimeoutError):
    """The server did not finish the exchange within the deadline (stalled or too slow)."""


class _Deadline:
    """Mixin for smtplib.SMTP: every socket operation waits only until ``deadline`` (time.monotonic())."""

    def __init__(self, *args, deadline: float, **kwargs) -> None:
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
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
    """smtplib.SMTP whose whole exchange ends by a deadline."""


class DeadlineSMTPSSL(_Deadline, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL whose whole exchange ends by a deadline."""


class TimeoutConnection(Connection):
    """Flask-Mail's connection, opened with the current MAIL_* settings, ending by a deadline."""

    def __init__(self, state, deadline: float | None = None) -> None:
        super().__init__(state)
        self.deadline = deadline

    def configure_host(self) -> smtplib.SMTP:
        """Connect (TLS/SSL and login as configured); every step ends by the deadline."""
        config = current_app.config
        server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        deadline = self.deadline if self.deadline is not None else time.monotonic() + mail_timeout()
        smtp_class = DeadlineSMTPSSL if config.get("MAIL_USE_SSL") else DeadlineSMTP
        host = smtp_class(server, port, timeout=mail_timeout(), deadline=deadline)
        try:
            if config.get("MAIL_USE_TLS"):
                host.starttls()
            if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
                host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        """Say goodbye; a server that fails to answer QUIT has still taken the message (do not send it again)."""
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()


def mail_timeout() -> float:
    """MAIL_TIMEOUT: the seconds one message's SMTP exchange may take, from connect to QUIT."""
    return float(current_app.config.get("MAIL_TIMEOUT") or 20)


def send_message(email: Message, deadline: float | None = None) -> None:
    """Send one message on a connection of its own that ends by ``deadline`` (time.monotonic()).

    Without a deadline, MAIL_TIMEOUT from now. The message counts as delivered once the server
    has answered the end of DATA: a failure of QUIT afterwards changes nothing.
    """
    try:
        with TimeoutConnection(current_app.extensions["mail"], deadline) as connection:
            email.send(connection)
    except SMTPTimeout:
        raise
    except TimeoutError as exc:  # connecting, or the TLS handshake
        raise SMTPTimeout("the SMTP server did not answer within the timeout") from exc


class PlenaryMail(Mail):
    """Mail whose connections end by a deadline and follow the current configuration."""

    def connect(self) -> Connection:
        """Open a connection to the configured server (MAIL_TIMEOUT for the whole exchange)."""
        return TimeoutConnection(current_app.extensions["mail"])
