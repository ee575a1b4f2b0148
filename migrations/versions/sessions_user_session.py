"""Back-office login sessions held on the server (user_session)

Revision ID: 5e5510a1f2c3
Revises: 66c2e2a5a29a
Create Date: 2026-12-01 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import plenary.db


# revision identifiers, used by Alembic.
revision = '5e5510a1f2c3'
down_revision = '66c2e2a5a29a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', plenary.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', plenary.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', plenary.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
