"""outbox: render_context, what the worker needs to write a message that the request only described

Revision ID: 14r000000001
Revises: 14o000000001
Create Date: 2026-12-02 06:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '14r000000001'
down_revision = "14o000000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_context', sa.Text(), nullable=True))


def downgrade():
    # An earlier release cannot write a message the worker has not written yet: rather than send it empty, it is
    # given up (undeliverable), visible in the back office's outbox.
    op.execute(
        "UPDATE outbox_message SET status = 'failed', final_reason = 'undeliverable', "
        "last_error = 'not written before the downgrade' WHERE render_context IS NOT NULL AND status = 'pending'"
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('render_context')
