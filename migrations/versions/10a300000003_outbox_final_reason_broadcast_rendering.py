"""outbox: final_reason, pruned_at, the due index; broadcast: rendered by the worker

Revision ID: 10a300000003
Revises: 10a400000004
Create Date: 2026-12-01 13:00:00

outbox_message.status keeps its values and its CHECK (now declared through sa.Enum). final_reason is
filled for stored failed messages from today's last_error texts (see ``_reason``). Broadcasts stored before were rendered in the
request: they are marked rendered (recipient_ids stays NULL for them).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '10a300000003'
down_revision = '10a400000004'
branch_labels = None
depends_on = None

REASONS = ('erased', 'superseded', 'undeliverable', 'refused', 'exhausted')


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_reason', sa.Enum(*REASONS, native_enum=False, create_constraint=True,
                                                              length=16, name='final_reason_known'), nullable=True))
        batch_op.add_column(sa.Column('pruned_at', sa.DateTime(), nullable=True))
        batch_op.drop_index('ix_outbox_message_status')
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_unique_constraint('uq_outbox_message_broadcast_recipient', ['broadcast_id', 'registration_id'])
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('markdown', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('recipient_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('form_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_broadcast_form_token'), ['form_token'])
    op.execute("UPDATE broadcast SET rendered_at = created_at")
    _fill_final_reasons()


def _reason(last_error):
    """The FinalReason of a failed message, from what its last_error says.

    Earlier releases wrote "erased" and "superseded by a newer invitation" as they are, and every
    permanent failure as "PermanentDeliveryError: …" (a 5xx refusal, or a message that could not be
    built); the unencodable address as "UnicodeEncodeError: …". Any other failed message had used up
    its attempts.
    """
    error = last_error or ''
    if error == 'erased':
        return 'erased'
    if error.startswith('superseded'):
        return 'superseded'
    permanent = error.removeprefix('PermanentDeliveryError: ')
    if permanent.startswith(('no recipient', 'the registration behind')):
        return 'undeliverable'
    if permanent != error or error.startswith('UnicodeEncodeError'):
        return 'refused'
    return 'exhausted'


def _fill_final_reasons():
    connection = op.get_bind()
    table = sa.table('outbox_message', sa.column('id', sa.Integer), sa.column('status', sa.String),
                     sa.column('last_error', sa.String), sa.column('final_reason', sa.String))
    rows = connection.execute(sa.select(table.c.id, table.c.last_error).where(table.c.status == 'failed')).all()
    by_reason = {}
    for message_id, last_error in rows:
        by_reason.setdefault(_reason(last_error), []).append(message_id)
    for reason, ids in by_reason.items():
        for start in range(0, len(ids), 500):
            connection.execute(sa.update(table).where(table.c.id.in_(ids[start:start + 500]))
                               .values(final_reason=reason))


def downgrade():
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_broadcast_form_token'), type_='unique')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('rendered_at')
        batch_op.drop_column('form_token')
        batch_op.drop_column('recipient_ids')
        batch_op.drop_column('markdown')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_message_broadcast_recipient', type_='unique')
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.create_index('ix_outbox_message_status', ['status'], unique=False)
        batch_op.drop_column('pruned_at')
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_final_reason_known'), type_='check')
        batch_op.drop_column('final_reason')
