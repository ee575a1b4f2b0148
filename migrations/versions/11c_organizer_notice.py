"""plenary: how the organizers hear of new registrations (each, daily digest, none) and the last digest's end

Revision ID: 11c000000001
Revises: 11a000000001
Create Date: 2026-12-01 15:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '11c000000001'
down_revision = '11a000000001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # ALTER TABLE … ADD COLUMN with its CHECK: a batch would copy the table, and dropping the old plenary
        # table would delete its agenda items and registrations (ON DELETE CASCADE with foreign_keys on).
        op.execute("ALTER TABLE plenary ADD COLUMN organizer_notice VARCHAR(16) DEFAULT 'each' NOT NULL "
                   "CONSTRAINT ck_plenary_organizer_notice_known CHECK (organizer_notice IN ('each', 'daily', 'none'))")
        op.execute("ALTER TABLE plenary ADD COLUMN organizer_digest_at DATETIME")
        return
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organizer_notice', sa.Enum('each', 'daily', 'none', native_enum=False,
                                                                  create_constraint=True, length=16,
                                                                  name='organizer_notice_known'),
                                      server_default='each', nullable=False))
        batch_op.add_column(sa.Column('organizer_digest_at', sa.DateTime(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # DROP COLUMN in place (SQLite 3.35+), for the same reason as above: no copy of the plenary table.
        op.execute("ALTER TABLE plenary DROP COLUMN organizer_digest_at")
        op.execute("ALTER TABLE plenary DROP COLUMN organizer_notice")
        return
    with op.batch_alter_table('plenary', schema=None) as batch_op:
        batch_op.drop_column('organizer_digest_at')
        batch_op.drop_constraint('organizer_notice_known', type_='check')
        batch_op.drop_column('organizer_notice')
