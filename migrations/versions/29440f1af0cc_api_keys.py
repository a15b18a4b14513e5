"""api keys: the api_keys table; audit_log.api_key names the key behind an API change

Revision ID: 29440f1af0cc
Revises: 3b664520a612
Create Date: 2026-11-25 19:46:34.368644

A new table and a nullable column: nothing existing is rewritten. On SQLite the
column is added in place (ALTER TABLE ADD COLUMN); the downgrade rebuilds audit_log
without it (batch mode).

The downgrade refuses (and changes nothing) while the database holds an API key or an
audit entry written through the API: dropping them would lose which integration may
call the API, or which key made a recorded change. Revoked keys count too: they are
the record of who once could. The older code runs against this schema unchanged (it
never reads the new table or column): roll back the code and keep the schema.
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '29440f1af0cc'
down_revision = '3b664520a612'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_ip', sa.String(length=64), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_email', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ['created_by_id'],
            ['users.id'],
            name=op.f('fk_api_keys_created_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        # The unique prefix is also the index every API request looks its key up by.
        sa.UniqueConstraint('name', name=op.f('uq_api_keys_name')),
        sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix')),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_key', sa.String(length=80), nullable=True))
    # The audit list filters on it ("what did this key do?").
    op.create_index('ix_audit_log_api_key', 'audit_log', ['api_key'])


def _refuse_to_lose_keys():
    conn = op.get_bind()
    keys = conn.scalar(sa.text("SELECT count(*) FROM api_keys"))
    entries = conn.scalar(sa.text("SELECT count(*) FROM audit_log WHERE api_key IS NOT NULL"))
    if not (keys or entries):
        return
    raise CommandError(
        f"Refusing to downgrade {revision} (api_keys): the database holds {keys} API "
        f"key(s) and {entries} audit entr{'y' if entries == 1 else 'ies'} made through the "
        "API; the older schema has no place for them. Nothing was changed. The older code "
        "runs against this schema as it is: roll back the code and keep the schema."
    )


def downgrade():
    _refuse_to_lose_keys()
    op.drop_index('ix_audit_log_api_key', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('api_key')
    op.drop_table('api_keys')
