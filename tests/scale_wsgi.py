"""The app as tests/test_scale_out.py serves it: production's, with an instance folder of each server's own.

gunicorn loads ``tests.scale_wsgi:app`` instead of ``wsgi:app``; ``SCALE_INSTANCE_PATH`` (read here, never by the
app) gives every server its own instance folder, as two hosts have, so that nothing one server keeps on its disk
can be seen by the other.
"""

import os

from plenary import create_app

app = create_app(instance_path=os.environ["SCALE_INSTANCE_PATH"])
