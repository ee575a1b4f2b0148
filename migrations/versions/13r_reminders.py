"""reminders before a plenary: per plenary (days before, local time, the organizers' texts), whom each went to, and
when a registration was confirmed; published future plenaries get the two default reminders

Revision ID: 13r000000001
Revises: 12v000000001
Create Date: 2026-12-01 22:55:00
"""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "13r000000001"
down_revision = "12v000000001"
branch_labels = None
depends_on = None


def upgrade():
    reminder = op.create_table(
        "plenary_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plenary_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("intro", sa.JSON(), nullable=False),
        sa.Column("markdown", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "days_before >= 0 AND days_before <= 60", name=op.f("ck_plenary_reminder_days_before_range")
        ),
        sa.ForeignKeyConstraint(
            ["plenary_id"], ["plenary.id"], name=op.f("fk_plenary_reminder_plenary_id_plenary"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plenary_reminder")),
    )
    op.create_index(op.f("ix_plenary_reminder_plenary_id"), "plenary_reminder", ["plenary_id"], unique=False)
    op.create_table(
        "reminder_sent",
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_reminder_sent_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"],
            ["plenary_reminder.id"],
            name=op.f("fk_reminder_sent_reminder_id_plenary_reminder"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reminder_id", "registration_id", name=op.f("pk_reminder_sent")),
    )
    op.create_index(op.f("ix_reminder_sent_registration_id"), "reminder_sent", ["registration_id"], unique=False)
    # A plain ADD COLUMN (nullable, no constraint): a batch would copy the registration table (see 12b).
    op.add_column("registration", sa.Column("confirmed_at", sa.DateTime(), nullable=True))
    # Published plenaries still to come get the defaults (7 days and 1 day before, 09:00 in their zone); their
    # confirmed registrations keep confirmed_at NULL (confirmed before: they get the reminders).
    now = datetime.now(UTC).replace(tzinfo=None)
    plenary = sa.table(
        "plenary", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("starts_at", sa.DateTime)
    )
    ids = (
        op.get_bind()
        .execute(sa.select(plenary.c.id).where(plenary.c.status == "published", plenary.c.starts_at > now))
        .scalars()
        .all()
    )
    rows = [
        {
            "plenary_id": plenary_id,
            "days_before": days,
            "local_time": time(9, 0),
            "enabled": True,
            "subject": {},
            "intro": {},
            "markdown": False,
            "created_at": now,
        }
        for plenary_id in ids
        for days in (7, 1)
    ]
    if rows:
        op.bulk_insert(reminder, rows)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE registration DROP COLUMN confirmed_at")  # in place (SQLite 3.35+), no copy
    else:
        op.drop_column("registration", "confirmed_at")
    op.drop_index(op.f("ix_reminder_sent_registration_id"), table_name="reminder_sent")
    op.drop_table("reminder_sent")
    op.drop_index(op.f("ix_plenary_reminder_plenary_id"), table_name="plenary_reminder")
    op.drop_table("plenary_reminder")
