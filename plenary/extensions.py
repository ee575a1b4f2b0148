"""Every Flask extension, created unbound; ``create_app`` binds them."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from plenary.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
