"""Migrations: one linear history that builds exactly the schema the models describe."""

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from plenary.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_history_is_one_linear_chain():
    from alembic.config import Config

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    for revision in script.walk_revisions():
        assert not isinstance(revision.down_revision, tuple), f"merge revision {revision.revision}"


def test_migrations_match_the_models(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ; run `flask db migrate`: {differences}"


def test_downgrade_to_empty_and_up_again(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "plenary" in sa.inspect(db.engine).get_table_names()
