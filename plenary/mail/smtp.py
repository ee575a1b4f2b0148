"""Flask-Mail with a connection timeout, configured at send time.

A hanging SMTP server must not hang a worker, and the server settings are read from the
app's configuration when a message is sent (not frozen when the extension was set up).
"""

import smtplib

from flask import current_app
from flask_mail import Connection, Mail


class TimeoutConnection(Connection):
    """Flask-Mail's connection, opened with the current MAIL_* settings and MAIL_TIMEOUT."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect (TLS/SSL and login as configured) with a timeout."""
        config = current_app.config
        server, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config.get("MAIL_TIMEOUT", 20)
        if config.get("MAIL_USE_SSL"):
            host = smtplib.SMTP_SSL(server, port, timeout=timeout)
        else:
            host = smtplib.SMTP(server, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            host.starttls()
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host


class PlenaryMail(Mail):
    """Mail whose connections time out and follow the current configuration."""

    def connect(self) -> Connection:
        """Open a connection to the configured server."""
        return TimeoutConnection(current_app.extensions["mail"])
