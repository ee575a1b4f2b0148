"""visa invitation letters: a plenary's visa settings, and one request per registration (passport data encrypted)

Revision ID: 12v000000001
Revises: 12b000000001
Create Date: 2026-12-01 18:45:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '12v000000001'
down_revision = '12b000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'visa_settings',
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('offered', sa.Boolean(), nullable=False),
        sa.Column('host_country', sa.String(length=2), nullable=False),
        sa.Column('costs', sa.JSON(), nullable=False),
        sa.Column('signatory_name', sa.JSON(), nullable=False),
        sa.Column('signatory_function', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("host_country IN ('DE', 'CN')", name=op.f('ck_visa_settings_host_country_known')),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_visa_settings_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plenary_id', name=op.f('pk_visa_settings')),
    )
    op.create_table(
        'visa_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('requested', 'correction', 'approved', 'declined', 'withdrawn', native_enum=False,
                                    create_constraint=True, length=16, name='status_known'), nullable=False),
        sa.Column('passport_token', sa.Text(), nullable=True),
        sa.Column('entry_date', sa.Date(), nullable=True),
        sa.Column('exit_date', sa.Date(), nullable=True),
        sa.Column('mission', sa.String(length=40), nullable=False),
        sa.Column('mission_other', sa.String(length=300), nullable=True),
        sa.Column('english', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=1000), nullable=True),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by', sa.String(length=254), nullable=True),
        sa.Column('purged_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_visa_request_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_visa_request_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_request')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_visa_request_registration_id')),
    )
    op.create_index(op.f('ix_visa_request_plenary_id'), 'visa_request', ['plenary_id'], unique=False)
    op.create_index('ix_visa_request_plenary_status', 'visa_request', ['plenary_id', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_visa_request_plenary_status', table_name='visa_request')
    op.drop_index(op.f('ix_visa_request_plenary_id'), table_name='visa_request')
    op.drop_table('visa_request')
    op.drop_table('visa_settings')
