"""registration: who registered a delegate, as the submission named them (Registration.registered_by_name)

Revision ID: 9d3b7f1a2c64
Revises: c4a1e5d7b9f2
Create Date: 2026-12-01 11:40:00

Existing rows keep NULL: Registration.registered_by then falls back to the head of delegation's name,
which is what their messages and personal page showed before.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d3b7f1a2c64'
down_revision = 'c4a1e5d7b9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_by_name', sa.String(length=310), nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('registered_by_name')
