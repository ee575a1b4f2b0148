"""survey: a plenary's short survey, its questions, who has answered, and the (possibly anonymous) responses

Revision ID: 13s000000001
Revises: 13f000000001
Create Date: 2026-12-01 22:45:00
"""
import sqlalchemy as sa
from alembic import op

import plenary.db

# revision identifiers, used by Alembic.
revision = '13s000000001'
down_revision = "13f000000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey',
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('opens', sa.Enum('start', 'end', native_enum=False, create_constraint=True, length=8,
                                   name='opens_known'), nullable=False),
        sa.Column('closes_at', plenary.db.UTCDateTime(), nullable=True),
        sa.Column('published_at', plenary.db.UTCDateTime(), nullable=True),
        sa.Column('closed_at', plenary.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_survey_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plenary_id', name=op.f('pk_survey')),
    )
    op.create_table(
        'survey_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('rating', 'text', native_enum=False, create_constraint=True, length=8,
                                  name='kind_known'), nullable=False),
        sa.Column('text', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['plenary_id'], ['survey.plenary_id'],
                                name=op.f('fk_survey_question_plenary_id_survey'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question')),
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_plenary_id'), ['plenary_id'], unique=False)
    op.create_table(
        'survey_participation',
        sa.Column('registration_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'],
                                name=op.f('fk_survey_participation_plenary_id_plenary'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_survey_participation_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_survey_participation')),
    )
    with op.batch_alter_table('survey_participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_participation_plenary_id'), ['plenary_id'], unique=False)
    op.create_table(
        'survey_response',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('plenary_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['plenary_id'], ['plenary.id'], name=op.f('fk_survey_response_plenary_id_plenary'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_survey_response_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_survey_response_registration_id')),
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_plenary_id'), ['plenary_id'], unique=False)
    op.create_table(
        'survey_answer',
        sa.Column('response_id', sa.String(length=32), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_survey_answer_rating_range')),
        sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'],
                                name=op.f('fk_survey_answer_question_id_survey_question'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'],
                                name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('response_id', 'question_id', name=op.f('pk_survey_answer')),
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_question_id'), ['question_id'], unique=False)


def downgrade():
    op.drop_table('survey_answer')
    op.drop_table('survey_response')
    op.drop_table('survey_participation')
    op.drop_table('survey_question')
    op.drop_table('survey')
