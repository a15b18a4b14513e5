"""order notes: staff notes on an order (author, time, text), never shown to customers

Revision ID: e45d54af152b
Revises: 6dc840d812d9
Create Date: 2026-12-07 20:37:33.812230

The downgrade refuses (and changes nothing) while any note exists: dropping the table
would lose what staff wrote. The older code never reads the table.
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e45d54af152b'
down_revision = '6dc840d812d9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_email', sa.String(length=255), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_order_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_notes_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_notes'))
    )
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_notes_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_notes_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_order_notes_order_id_created_at', ['order_id', 'created_at'], unique=False)



def downgrade():
    notes = op.get_bind().scalar(sa.text("SELECT count(*) FROM order_notes"))
    if notes:
        raise CommandError(
            f"Refusing to downgrade {revision} (order notes): the database holds {notes} "
            "staff note(s) the older schema cannot keep. Nothing was changed. The older "
            "code runs against this schema as it is: roll back the code and keep the schema."
        )
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_order_notes_order_id_created_at')
        batch_op.drop_index(batch_op.f('ix_order_notes_created_at'))
        batch_op.drop_index(batch_op.f('ix_order_notes_author_id'))

    op.drop_table('order_notes')
