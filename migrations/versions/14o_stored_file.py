"""stored_file: the file store's database backend (uploads, badge PDFs, staged imports off the server's disk)

Files written to the instance folder by earlier releases are moved in by `flask storage import-files`.

Revision ID: 14o000000001
Revises: 13s000000001
Create Date: 2026-12-02 02:40:00
"""
import sqlalchemy as sa
from alembic import op

import plenary.db

# revision identifiers, used by Alembic.
revision = '14o000000001'
down_revision = "13s000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_file',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', plenary.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_file')),
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_file_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_file_created_at'))
    op.drop_table('stored_file')
