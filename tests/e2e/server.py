"""Serve a Flask app on a free loopback port in a thread, for the browser tests."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """Logs errors but not every request (a page load is a dozen of them)."""

    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def serve(app) -> Iterator[str]:
    """Run ``app`` until the block ends; yields its base URL (http://127.0.0.1:PORT)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
