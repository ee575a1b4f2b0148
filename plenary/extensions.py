"""Every Flask extension, created unbound; ``create_app`` binds them (mail is smtplib: plenary.mail.smtp)."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from plenary.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Limits are declared on the routes that need them; storage comes from RATELIMIT_STORAGE_URI.
# The page cache's backend (plenary/page_cache): CACHE_TYPE, CACHE_REDIS_URL, CACHE_DIR from the configuration.
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
