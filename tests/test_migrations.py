"""Migrations: one linear history that builds exactly the schema the models describe."""

import re
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


def test_check_constraints_match_the_models(make_app):
    """Alembic's comparison ignores CHECK constraints; compare them by name and text here."""
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        inspector = sa.inspect(db.engine)
        for table in db.metadata.sorted_tables:
            in_models = {
                # Compiled with its values: an Enum's CHECK is an IN over bound parameters.
                c.name: str(c.sqltext.compile(db.engine, compile_kwargs={"literal_binds": True}))
                for c in table.constraints if isinstance(c, sa.CheckConstraint)
            }
            in_database = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
            assert set(in_database) == set(in_models), table.name
            for name, text in in_models.items():
                # PostgreSQL rewrites the expression (casts, ANY(ARRAY[...])): compare the quoted values it lists.
                assert sorted(re.findall(r"'([^']*)'", in_database[name])) == sorted(re.findall(r"'([^']*)'", text)), (
                    f"{table.name}.{name}: database has {in_database[name]!r}, models say {text!r}"
                )
