"""join links: a second private meeting address for participants in mainland China

Revision ID: 13j000000001
Revises: 13r000000001
Create Date: 2026-12-01 22:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '13j000000001'
down_revision = "13r000000001"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN in place on every database (no batch: copying the plenary table on SQLite would delete its agenda
    # items and registrations through ON DELETE CASCADE).
    op.add_column('plenary', sa.Column('online_url_cn', sa.String(length=500), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE plenary DROP COLUMN online_url_cn")  # in place (SQLite 3.35+), as above
        return
    op.drop_column('plenary', 'online_url_cn')
