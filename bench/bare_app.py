"""The baseline: a bare Flask app rendering a small template (``/``), or returning a string (``/string``, the
issue's yardstick: Flask's own ceiling), served the same way as Plenary."""

from flask import Flask, render_template_string

app = Flask(__name__)

PAGE = "<!doctype html><html lang=de><title>{{ title }}</title><h1>{{ title }}</h1><p>{{ text }}</p></html>"


@app.get("/")
def index():
    """Render a trivial page."""
    return render_template_string(PAGE, title="Plenarversammlung", text="Hallo")


@app.get("/string")
def string():
    """Return a string: no template at all."""
    return "Plenarversammlung"
