"""accounts: users.erased_at; accounts that exist before confirmable count as confirmed

Revision ID: 364c42edadf9
Revises: 2148d5b27c81
Create Date: 2026-11-21 04:48:41.721545

Registration now confirms addresses by mail (SECURITY_CONFIRMABLE), and Flask-Security
refuses to log in an unconfirmed account. Every account created before this revision was
made by an admin, the CLI or an unconfirmed-by-design registration, so it is marked
confirmed as of its creation; otherwise upgrading would lock every existing user out.
The downgrade leaves confirmed_at alone (it is harmless without confirmable).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '364c42edadf9'
down_revision = '2148d5b27c81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET confirmed_at = created_at WHERE confirmed_at IS NULL")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
