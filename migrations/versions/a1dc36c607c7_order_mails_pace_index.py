"""order mails pace index: order_notifications.claimed_at, for MAIL_RATE_LIMIT shared by every worker thread

Revision ID: a1dc36c607c7
Revises: 059d44ce23dd
Create Date: 2026-12-07 21:20:50.800161

The worker counts the mails claimed in the last minute before claiming more. An index
only: nothing to lose, so the downgrade just drops it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1dc36c607c7'
down_revision = '059d44ce23dd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_order_notifications_claimed_at', ['claimed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('order_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_order_notifications_claimed_at')

