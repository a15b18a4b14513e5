"""two factors: users' authenticator secret, recovery codes and WebAuthn handle; webauthn table

Revision ID: 059d44ce23dd
Revises: 8f477f241535
Create Date: 2026-12-07 20:17:35.174703

Flask-Security's two factors (issue 15): ``users.tf_primary_method`` and
``tf_totp_secret`` (encrypted with SECURITY_TOTP_SECRETS), ``mf_recovery_codes``
(each code encrypted with SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS),
``fs_webauthn_user_handle`` and the ``webauthn`` table of registered passkeys.

The downgrade refuses (and changes nothing) while any user has a second factor, a
recovery code or a passkey: dropping them would silently turn staff sign-in back into a
password alone, and each person would have to enrol again. Reset those users' second
factor first (``manage.py tf-reset EMAIL``), or keep this schema: older code never
reads these columns.
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '059d44ce23dd'
down_revision = '8f477f241535'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webauthn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.LargeBinary(length=1024), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('transports', sa.UnicodeText(), nullable=True),
    sa.Column('backup_state', sa.Boolean(), nullable=False),
    sa.Column('device_type', sa.String(length=64), nullable=False),
    sa.Column('extensions', sa.String(length=255), nullable=True),
    sa.Column('create_datetime', sa.DateTime(), nullable=False),
    sa.Column('lastuse_datetime', sa.DateTime(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('usage', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webauthn_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_webauthn_credential_id')),
    sa.UniqueConstraint('user_id', 'name', name='uq_webauthn_user_id_name')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tf_primary_method', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('tf_totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('mf_recovery_codes', sa.UnicodeText(), nullable=True))
        batch_op.add_column(sa.Column('fs_webauthn_user_handle', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_fs_webauthn_user_handle'), ['fs_webauthn_user_handle'])


def _refuse_to_drop_second_factors():
    conn = op.get_bind()
    enrolled = conn.scalar(sa.text(
        "SELECT count(*) FROM users WHERE tf_totp_secret IS NOT NULL"
        " OR mf_recovery_codes IS NOT NULL OR fs_webauthn_user_handle IS NOT NULL"
    ))
    passkeys = conn.scalar(sa.text("SELECT count(*) FROM webauthn"))
    if enrolled or passkeys:
        raise CommandError(
            f"Refusing to downgrade {revision} (two factors): {enrolled} user(s) have a "
            f"second factor, recovery codes or a passkey handle, and {passkeys} passkey(s) "
            "are registered. Dropping them would leave staff signing in with a password "
            "alone. Nothing was changed. Reset them first (manage.py tf-reset EMAIL), or "
            "keep this schema: older code never reads these columns."
        )


def downgrade():
    _refuse_to_drop_second_factors()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_fs_webauthn_user_handle'), type_='unique')
        batch_op.drop_column('fs_webauthn_user_handle')
        batch_op.drop_column('mf_recovery_codes')
        batch_op.drop_column('tf_totp_secret')
        batch_op.drop_column('tf_primary_method')
    op.drop_table('webauthn')
