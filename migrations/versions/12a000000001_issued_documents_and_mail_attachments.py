"""issued documents (visa letters, certificates, badges: what each states, withdrawn or not) and mail attachments

Revision ID: 12a000000001
Revises: 11c000000001
Create Date: 2026-12-01 18:41:35
"""
import sqlalchemy as sa
from alembic import op

import plenary.db


# revision identifiers, used by Alembic.
revision = '12a000000001'
down_revision = '11c000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.Enum('visa_letter', 'certificate', 'badge', name='kind_known', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('plenary_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('issued_at', plenary.db.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', plenary.db.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_issued_document_plenary_id_plenary'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_issued_document_registration_id_registration'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('code', name=op.f('uq_issued_document_code'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_plenary_id'), ['plenary_id'], unique=False)
        batch_op.create_index('ix_issued_document_registration_kind', ['registration_id', 'kind'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_ref', sa.String(length=100), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('attachment_ref')

    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_document_registration_kind')
        batch_op.drop_index(batch_op.f('ix_issued_document_plenary_id'))

    op.drop_table('issued_document')
