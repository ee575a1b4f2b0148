"""questions: the organizers' questions of a plenary, the answers, the follow-up bookkeeping, the answer deadline

Revision ID: 12q000000001
Revises: 12c000000001
Create Date: 2026-12-01 18:50:00
"""
import sqlalchemy as sa
from alembic import op

import plenary.db

# revision identifiers, used by Alembic.
revision = '12q000000001'
down_revision = '12c000000001'
branch_labels = None
depends_on = None

KINDS = ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'yes_no', 'date', 'number', 'country')


def upgrade():
    op.create_table(
        'question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, native_enum=False, create_constraint=True, length=16, name='kind_known'),
                  nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('label', sa.JSON(), nullable=False),
        sa.Column('help', sa.JSON(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('ask_head', sa.Boolean(), nullable=False),
        sa.Column('ask_delegates', sa.Boolean(), nullable=False),
        sa.Column('attendance', sa.String(length=16), nullable=True),
        sa.Column('condition_question_id', sa.Integer(), nullable=True),
        sa.Column('condition_values', sa.JSON(), nullable=False),
        sa.Column('follow_up', sa.Boolean(), nullable=False),
        sa.Column('asked_at', plenary.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', plenary.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("attendance IN ('in_person', 'online')", name=op.f('ck_question_attendance_known')),
        sa.ForeignKeyConstraint(['condition_question_id'], ['question.id'],
                                name=op.f('fk_question_condition_question_id_question'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_question_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_condition_question_id'), ['condition_question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_plenary_id'), ['plenary_id'], unique=False)

    op.create_table(
        'answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('updated_at', plenary.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_question_id_question'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_answer_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
        sa.UniqueConstraint('question_id', 'registration_id', name='uq_answer_question_registration'),
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_registration_id'), ['registration_id'], unique=False)

    op.create_table(
        'question_follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('asked_at', plenary.db.UTCDateTime(), nullable=True),
        sa.Column('reminded_at', plenary.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_question_follow_up_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_question_follow_up')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_question_follow_up_registration_id')),
    )
    op.create_table(
        'question_settings',
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('answers_until', plenary.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_question_settings_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plenary_id', name=op.f('pk_question_settings')),
    )


def downgrade():
    op.drop_table('question_settings')
    op.drop_table('question_follow_up')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_registration_id'))
        batch_op.drop_index(batch_op.f('ix_answer_question_id'))
    op.drop_table('answer')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_plenary_id'))
        batch_op.drop_index(batch_op.f('ix_question_condition_question_id'))
    op.drop_table('question')
