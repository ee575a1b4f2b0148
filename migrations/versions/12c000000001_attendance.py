"""attendance: one record per registration and channel (hall, online); the door's two columns move into it;
the follow-up after a plenary (one row per registration it dealt with)

Revision ID: 12c000000001
Revises: 12a000000001
Create Date: 2026-12-01 18:50:00
"""
import sqlalchemy as sa
from alembic import op

import plenary.db

# revision identifiers, used by Alembic.
revision = '12c000000001'
down_revision = '12a000000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.Enum('hall', 'online', native_enum=False, create_constraint=True, length=16,
                                     name='channel_known'), nullable=False),
        sa.Column('source', sa.Enum('door', 'join_link', 'organizer', native_enum=False, create_constraint=True,
                                    length=16, name='source_known'), nullable=False),
        sa.Column('first_seen_at', plenary.db.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', plenary.db.UTCDateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_attendance_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
        sa.UniqueConstraint('registration_id', 'channel', name='uq_attendance_registration_channel'),
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_registration_id'), ['registration_id'], unique=False)
    op.create_table(
        'follow_up',
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.Enum('certificate', 'not_attended', native_enum=False, create_constraint=True,
                                     length=16, name='outcome_known'), nullable=False),
        sa.Column('done_at', plenary.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_follow_up_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_follow_up')),
    )
    # Every arrival at the door so far becomes a hall record, seen first and last when it was checked in.
    op.execute("INSERT INTO attendance (registration_id, channel, source, first_seen_at, last_seen_at, recorded_by) "
               "SELECT id, 'hall', 'door', checked_in_at, checked_in_at, checked_in_by FROM registration "
               "WHERE checked_in_at IS NOT NULL")
    # In place on SQLite (3.35+) too: a batch would copy the registration table, and dropping the old one
    # would touch every row that points at it.
    op.execute("ALTER TABLE registration DROP COLUMN checked_in_by")
    op.execute("ALTER TABLE registration DROP COLUMN checked_in_at")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE registration ADD COLUMN checked_in_at DATETIME")
        op.execute("ALTER TABLE registration ADD COLUMN checked_in_by VARCHAR(254)")
    else:
        with op.batch_alter_table('registration', schema=None) as batch_op:
            batch_op.add_column(sa.Column('checked_in_at', plenary.db.UTCDateTime(), nullable=True))
            batch_op.add_column(sa.Column('checked_in_by', sa.String(length=254), nullable=True))
    # Only the hall had columns: online records (issue 13) have nowhere to go and are dropped with the table.
    op.execute("UPDATE registration SET "
               "checked_in_at = (SELECT first_seen_at FROM attendance a WHERE a.registration_id = registration.id "
               "AND a.channel = 'hall'), "
               "checked_in_by = (SELECT recorded_by FROM attendance a WHERE a.registration_id = registration.id "
               "AND a.channel = 'hall')")
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_registration_id'))
    op.drop_table('attendance')
    op.drop_table('follow_up')
