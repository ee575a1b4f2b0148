"""registration: the calendar copy last queued (SEQUENCE, METHOD), lower-case emails, member_id index

Revision ID: 10a100000001
Revises: 10a300000003
Create Date: 2026-12-01 13:20:00

- ``calendar_sequence`` / ``calendar_method``: the SEQUENCE and METHOD of the last calendar copy queued
  to each person. Filled from what the outbox says today: the newest message with a calendar part
  (its SEQUENCE read from the stored iCalendar text). Erased messages keep no text: those rows stay NULL
  (an erased person is sent nothing more).
- ``email = lower(email)`` enforced by a CHECK (addresses were stored lower case already; any that are
  not are lowered first).
- An index on ``member_id`` (statistics and the member filter).
- status and attendance become ``sa.Enum(..., native_enum=False, create_constraint=True)`` in the
  models; their CHECK constraints keep their names and values, so the database needs no change.
"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '10a100000001'
down_revision = "10a300000003"
branch_labels = None
depends_on = None

SEQUENCE = re.compile(r"^SEQUENCE:(\d+)\r?$", re.M)


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('calendar_method', sa.String(length=8), nullable=True))
    _fill_calendar_state()
    op.execute("UPDATE registration SET email = lower(email) WHERE email <> lower(email)")
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_registration_email_lower_case'), 'email = lower(email)')
        batch_op.create_check_constraint(batch_op.f('ck_registration_calendar_method_known'), "calendar_method IN ('REQUEST', 'CANCEL')")
        batch_op.create_index(batch_op.f('ix_registration_member_id'), ['member_id'], unique=False)


def _fill_calendar_state():
    """Each registration's last calendar copy, from the newest outbox message that carried one."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT registration_id, calendar_method, calendar_ics FROM outbox_message "
        "WHERE registration_id IS NOT NULL AND calendar_method IS NOT NULL AND calendar_ics IS NOT NULL ORDER BY id"
    )).all()
    last = {}
    for registration_id, method, ics in rows:
        found = SEQUENCE.search(ics)
        if found and method in ("REQUEST", "CANCEL"):
            last[registration_id] = (int(found.group(1)), method)
    update = sa.text("UPDATE registration SET calendar_sequence = :sequence, calendar_method = :method WHERE id = :id")
    for registration_id, (sequence, method) in last.items():
        connection.execute(update, {"sequence": sequence, "method": method, "id": registration_id})


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_member_id'))
        batch_op.drop_constraint(batch_op.f('ck_registration_calendar_method_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_registration_email_lower_case'), type_='check')
        batch_op.drop_column('calendar_method')
        batch_op.drop_column('calendar_sequence')
