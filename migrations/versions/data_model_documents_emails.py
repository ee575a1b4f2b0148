"""data model: agenda documents by their stored name; account e-mail addresses in lower case

Revision ID: 10a400000004
Revises: 9d3b7f1a2c64
Create Date: 2026-12-01 12:45:00

Agenda items stored an uploaded document as its absolute public URL, which broke when
FLASK_PUBLIC_URL changed. An address of one of ours (/documents/<name>.pdf, on any host) becomes the
stored name (agenda_item.document_name, the URL is built when a page or an export needs it); any other
address stays, as a link (document_url renamed document_link). The downgrade builds the URLs back from
the FLASK_PUBLIC_URL configured then.

Account e-mail addresses were already lower-cased by every path that creates one; the database now
refuses any other (CHECK email = lower(email)). Rows are lower-cased first; two accounts that would then
share an address stop the upgrade (merging them is a decision for a person).

The enumeration columns (plenary status and format, agenda kind, role, actor kind, member and
announcement kind) became sa.Enum(native_enum=False) in the models with the same VARCHAR(16) and the
same CHECK constraints under the same names: nothing changes in the database for them.
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = '10a400000004'
down_revision = '9d3b7f1a2c64'
branch_labels = None
depends_on = None

#: Our documents' addresses (plenary.events.documents: token_urlsafe(24), 32 characters), on any host.
OUR_DOCUMENT = re.compile(r"/documents/([A-Za-z0-9_-]{32})\.pdf$")

agenda_item = sa.table(
    'agenda_item',
    sa.column('id', sa.Integer),
    sa.column('document_link', sa.String),
    sa.column('document_name', sa.String),
)


def upgrade():
    _lower_case_emails()
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_user_account_email_lower_case'), 'email = lower(email)')

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_name', sa.String(length=32), nullable=True))
        batch_op.alter_column('document_url', new_column_name='document_link',
                              existing_type=sa.String(length=500), existing_nullable=True)
    _urls_to_names()
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_document_name'), ['document_name'], unique=False)
        batch_op.create_check_constraint(op.f('ck_agenda_item_one_document'),
                                         'document_name IS NULL OR document_link IS NULL')


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agenda_item_one_document'), type_='check')
        batch_op.drop_index(batch_op.f('ix_agenda_item_document_name'))
    _names_to_urls()
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.alter_column('document_link', new_column_name='document_url',
                              existing_type=sa.String(length=500), existing_nullable=True)
        batch_op.drop_column('document_name')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_email_lower_case'), type_='check')


def _lower_case_emails():
    """Lower-case the accounts' addresses; refuse to go on if two would then be the same."""
    bind = op.get_bind()
    clashes = bind.execute(sa.text(
        "SELECT lower(email) FROM user_account GROUP BY lower(email) HAVING count(*) > 1"
    )).scalars().all()
    if clashes:
        raise RuntimeError(
            "accounts differ only in the case of their e-mail address; merge or rename them first: "
            + ", ".join(sorted(clashes))
        )
    bind.execute(sa.text("UPDATE user_account SET email = lower(email) WHERE email <> lower(email)"))


def _urls_to_names():
    """Keep the address of one of our documents as its name, whatever host it was built with."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(agenda_item.c.id, agenda_item.c.document_link).where(agenda_item.c.document_link.like('%/documents/%'))
    ).all()
    for row in rows:
        match = OUR_DOCUMENT.search(row.document_link)
        if match:
            bind.execute(sa.update(agenda_item).where(agenda_item.c.id == row.id)
                         .values(document_name=match.group(1), document_link=None))


def _names_to_urls():
    """Build the absolute URLs back from the public address configured now."""
    base = current_app.config['PUBLIC_URL'].rstrip('/')
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(agenda_item.c.id, agenda_item.c.document_name).where(agenda_item.c.document_name.is_not(None))
    ).all()
    for row in rows:
        bind.execute(sa.update(agenda_item).where(agenda_item.c.id == row.id)
                     .values(document_link=f"{base}/documents/{row.document_name}.pdf", document_name=None))
