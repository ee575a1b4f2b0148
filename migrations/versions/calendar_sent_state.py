"""calendar: what attendees were last sent of a plenary (Plenary.calendar_sent)

Revision ID: c4a1e5d7b9f2
Revises: 5e5510a1f2c3
Create Date: 2026-12-01 10:40:00

Existing rows keep NULL: the first save after the upgrade takes the state before it as
what attendees have (plenary.calendar.services.apply_plenary_changes), as before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4a1e5d7b9f2'
down_revision = '5e5510a1f2c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sent', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.drop_column('calendar_sent')
