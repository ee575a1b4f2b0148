"""waiting-list offers with a reply deadline; the waiting-list position last told

Revision ID: 11a000000001
Revises: 10a100000001
Create Date: 2026-12-01 15:40:00

- ``plenary.offer_hours``: NULL = a freed seat goes to the first on the waiting list at once (as
  before); a number = they are offered it and it is held for them that many hours.
- ``registration.status`` may be ``offered`` (its CHECK is rebuilt with the new value).
- ``registration.offer_expires_at`` / ``offer_reminder_at``: the offer's deadline and its one reminder.
- ``registration.waitlist_position_told``: the position the person was last told (no mail per shift).
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '11a000000001'
down_revision = '10a100000001'
branch_labels = None
depends_on = None

OLD = "status IN ('pending', 'confirmed', 'waitlisted', 'rejected', 'cancelled')"
NEW = "status IN ('pending', 'confirmed', 'waitlisted', 'offered', 'rejected', 'cancelled')"


@contextmanager
def _keeping_links():
    """Rebuild the registration table without losing the rows that point at it.

    SQLite's batch mode copies the table and drops the old one; with foreign keys on (as the app
    connects), that drop sets every ``ON DELETE SET NULL`` link to it to NULL: the delegation heads
    and the outbox's registration ids. They are read before and written back after.
    """
    connection = op.get_bind()
    sqlite = connection.dialect.name == 'sqlite'
    heads = outbox = []
    if sqlite:
        heads = connection.execute(sa.text(
            "SELECT id, delegation_head_id FROM registration WHERE delegation_head_id IS NOT NULL")).all()
        outbox = connection.execute(sa.text(
            "SELECT id, registration_id FROM outbox_message WHERE registration_id IS NOT NULL")).all()
    yield
    for row_id, head_id in heads:
        connection.execute(sa.text("UPDATE registration SET delegation_head_id = :head WHERE id = :id"),
                           {"head": head_id, "id": row_id})
    for row_id, registration_id in outbox:
        connection.execute(sa.text("UPDATE outbox_message SET registration_id = :r WHERE id = :id"),
                           {"r": registration_id, "id": row_id})


def upgrade():
    op.add_column('plenary', sa.Column('offer_hours', sa.Integer(), nullable=True))  # no rebuild on SQLite
    with _keeping_links(), op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlist_position_told', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('offer_reminder_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_registration_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_registration_status_known'), NEW)


def downgrade():
    # Open offers go back to the waiting list (the status the old schema knows), in their old order.
    op.execute("UPDATE registration SET status = 'waitlisted' WHERE status = 'offered'")
    with _keeping_links(), op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_registration_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_registration_status_known'), OLD)
        batch_op.drop_column('offer_reminder_at')
        batch_op.drop_column('offer_expires_at')
        batch_op.drop_column('waitlist_position_told')
    # Not batch mode: rebuilding the plenary table on SQLite would delete its agenda (ON DELETE CASCADE);
    # SQLite (3.35+) drops a plain column in place.
    op.drop_column('plenary', 'offer_hours')
