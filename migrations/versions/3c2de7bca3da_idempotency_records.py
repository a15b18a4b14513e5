"""idempotency records: the first answer to an API request sent with an Idempotency-Key

Revision ID: 3c2de7bca3da
Revises: 29440f1af0cc
Create Date: 2026-11-25 19:56:10.000000

A new table only. The unique (api_key_id, key) is what makes ten simultaneous
retries place one order: the first INSERT wins, the others wait for its commit and
then read its answer. The downgrade refuses (and changes nothing) while records exist:
without them a client retrying an order it already placed would place it again.
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c2de7bca3da'
down_revision = '29440f1af0cc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['api_key_id'],
            ['api_keys.id'],
            name=op.f('fk_idempotency_records_api_key_id_api_keys'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
        sa.UniqueConstraint('api_key_id', 'key', name='uq_idempotency_records_key'),
    )
    # Old records by age (a clean-up can drop them once no client retries that late).
    op.create_index(
        'ix_idempotency_records_created_at', 'idempotency_records', ['created_at']
    )


def downgrade():
    held = op.get_bind().scalar(sa.text("SELECT count(*) FROM idempotency_records"))
    if held:
        raise CommandError(
            f"Refusing to downgrade {revision} (idempotency_records): {held} recorded "
            "answer(s) would be lost, and a client retrying one of those requests would "
            "place its order again. Nothing was changed. The older code runs against this "
            "schema as it is: roll back the code and keep the schema."
        )
    op.drop_index('ix_idempotency_records_created_at', table_name='idempotency_records')
    op.drop_table('idempotency_records')
