"""Flask-Mail with a connection timeout: a hanging SMTP server must not hang a worker."""

import smtplib

from flask import current_app
from flask_mail import Connection, Mail


class TimeoutConnection(Connection):
    """Flask-Mail's connection, opened with MAIL_TIMEOUT seconds."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect (TLS/SSL and login as configured) with a timeout."""
        timeout = current_app.config.get("MAIL_TIMEOUT", 20)
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class PlenaryMail(Mail):
    """Mail whose connections time out."""

    def connect(self) -> Connection:
        """Open a connection to the configured server."""
        return TimeoutConnection(current_app.extensions["mail"])
