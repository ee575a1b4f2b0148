"""join links: a second private meeting address for participants in mainland China

Revision ID: 13j000000001
Revises: 12v000000001
Create Date: 2026-12-01 22:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13j000000001'
down_revision = '12v000000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_url_cn', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.drop_column('online_url_cn')
