"""badges and name plates: the registration's role, and the batches the worker builds

Revision ID: 12b000000001
Revises: 12q000000001
Create Date: 2026-12-01 18:50:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '12b000000001'
down_revision = '12q000000001'
branch_labels = None
depends_on = None

ROLES = ('delegate', 'speaker', 'press', 'organizer')


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # ALTER TABLE … ADD COLUMN with its CHECK: a batch would copy the registration table, and dropping the old
        # one would cascade to what refers to it (ON DELETE CASCADE / SET NULL with foreign_keys on).
        op.execute("ALTER TABLE registration ADD COLUMN role VARCHAR(16) DEFAULT 'delegate' NOT NULL "
                   "CONSTRAINT ck_registration_role_known CHECK (role IN ('delegate', 'speaker', 'press', 'organizer'))")
    else:
        with op.batch_alter_table('registration', schema=None) as batch_op:
            batch_op.add_column(sa.Column('role', sa.Enum(*ROLES, native_enum=False, create_constraint=True, length=16,
                                                          name='role_known'),
                                          server_default='delegate', nullable=False))
    op.create_table(
        'badge_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('badge', 'nameplate', native_enum=False, create_constraint=True, length=16,
                                  name='kind_known'), nullable=False),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('size', sa.String(length=8), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', native_enum=False, create_constraint=True,
                                    length=16, name='status_known'), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('file_token', sa.String(length=43), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_badge_batch_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_batch')),
        sa.UniqueConstraint('file_token', name=op.f('uq_badge_batch_file_token')),
    )
    with op.batch_alter_table('badge_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_batch_plenary_id'), ['plenary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_badge_batch_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('badge_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badge_batch_status'))
        batch_op.drop_index(batch_op.f('ix_badge_batch_plenary_id'))
    op.drop_table('badge_batch')
    if op.get_bind().dialect.name == 'sqlite':
        # DROP COLUMN in place (SQLite 3.35+; its own CHECK goes with it): no copy of the table (see upgrade).
        op.execute("ALTER TABLE registration DROP COLUMN role")
        return
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint('role_known', type_='check')
        batch_op.drop_column('role')
