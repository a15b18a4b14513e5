"""order notifications outbox, carrier and tracking, shipping updates

Revision ID: 6dc840d812d9
Revises: d07c905cbcbe
Create Date: 2026-12-07 20:17:38.893204

Customers are told of their orders' status changes through an outbox: one
order_notifications row per (order, status), written in the same transaction as the
change and sent by the worker. orders.carrier and orders.tracking_number are told in the
shipped mail; users.shipping_updates is the customer's choice (true for everyone
already there: they get the mails unless they turn them off).

The downgrade refuses (and changes nothing) while any outbox row, carrier or tracking
number, or turned-off shipping updates exist: dropping them would lose which mails were
sent (upgrading again would not know, and nothing would tell a customer twice apart from
this table), the parcels' tracking, and customers' choices. The older code runs against
this schema unchanged (new nullable or defaulted columns, a table it never reads).
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6dc840d812d9'
down_revision = 'd07c905cbcbe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by', sa.String(length=255), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('retried_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'sent', 'failed', 'skipped')", name=op.f('ck_order_notifications_state_valid')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_order_notifications_attempts_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_notifications_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_notifications')),
    sa.UniqueConstraint('order_id', 'status', name='uq_order_notifications_order_id_status')
    )
    with op.batch_alter_table('order_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_order_notifications_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carrier', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('tracking_number', sa.String(length=64), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_updates', sa.Boolean(), server_default=sa.true(), nullable=False))



def _refuse_to_lose_data():
    conn = op.get_bind()
    held = {
        "order notification rows": "SELECT count(*) FROM order_notifications",
        "orders with a carrier or tracking number": (
            "SELECT count(*) FROM orders WHERE carrier IS NOT NULL OR tracking_number IS NOT NULL"
        ),
        "customers who turned off shipping updates": (
            "SELECT count(*) FROM users WHERE NOT shipping_updates"
        ),
    }
    found = [f"{n} {what}" for what, sql in held.items() if (n := conn.scalar(sa.text(sql)))]
    if found:
        raise CommandError(
            f"Refusing to downgrade {revision} (order notifications): the database holds "
            f"{', '.join(found)}, which the older schema cannot keep. Nothing was changed. "
            "The older code runs against this schema as it is: roll back the code and keep "
            "the schema, or upgrade again."
        )


def downgrade():
    _refuse_to_lose_data()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('shipping_updates')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('tracking_number')
        batch_op.drop_column('carrier')

    with op.batch_alter_table('order_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_order_notifications_state_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_order_notifications_created_at'))

    op.drop_table('order_notifications')
