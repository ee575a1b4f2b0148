"""gunicorn settings of a Plenary app server: ``gunicorn -c gunicorn.conf.py wsgi:app`` (docs/deployment.md).

Every value can be changed per host without editing this file: gunicorn's own command-line options win over it
(``--workers 2``), and these environment variables are read here:

- ``WEB_CONCURRENCY``: worker processes (default: 2 per CPU core + 1, at most 8; sync workers, one request each);
- ``GUNICORN_BIND``: the address (default ``127.0.0.1:8000``: the reverse proxy on the same host connects there;
  ``0.0.0.0:8000`` when the load balancer is elsewhere);
- ``GUNICORN_ACCESS_LOG``: where the access log goes (default ``-``, standard output; empty: no access log).

Neither the access log nor the error log holds the secret part of a personal link: ``/registrations/<token>…``,
``/join/<token>…`` and ``/survey/<token>…`` are logged as ``/registrations/…`` (path, query and a Referer pointing
at one alike; plenary/redaction.py).
"""

import importlib.util
import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"

# Proxies are believed in one place only: FLASK_TRUSTED_PROXIES (ProxyFix in the app). gunicorn would otherwise
# take X-Forwarded-Proto from 127.0.0.1 as HTTPS before the app sees it (docs/deployment.md, Sessions and headers).
forwarded_allow_ips = ""

# A request (a 500-badge PDF is the worker's, not a request's) ends well within a minute; a stuck worker is
# replaced after 60 s. A graceful stop lets a worker finish its request and the message its delivery thread
# is sending: keep graceful_timeout above FLASK_MAIL_TIMEOUT (20 s).
timeout = 60
graceful_timeout = 30
keepalive = 5  # seconds; behind a proxy that reuses its upstream connections

# Workers are replaced after about 2,000 requests (the jitter keeps them from restarting at the same moment),
# which bounds any slow growth of their memory.
max_requests = 2000
max_requests_jitter = 200

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Client (the proxy's X-Forwarded-For when behind one), time, request line, status, size, referer, agent, µs.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(D)s'


def _redaction():
    """plenary/redaction.py, loaded by its file: the master process imports none of the app."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plenary", "redaction.py")
    spec = importlib.util.spec_from_file_location("plenary_redaction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_REDACTION = _redaction()
PERSONAL_PATH, redact = _REDACTION.PERSONAL_PATH, _REDACTION.redact


class RedactingLogger(Logger):
    """gunicorn's logger, without the tokens of personal links in the access log or the error log."""

    def setup(self, cfg):
        """gunicorn's setup, and the error log's records redacted (``Error handling request /join/…``)."""
        super().setup(cfg)
        self.error_log.addFilter(_REDACTION.PersonalLinkFilter())

    def atoms(self, resp, req, environ, request_time):
        """The values of the access log format, personal links redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        if PERSONAL_PATH.match(atoms.get("U") or ""):
            atoms["q"] = ""  # the query of a personal page goes with its path
        for key in ("r", "U", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


logger_class = RedactingLogger
