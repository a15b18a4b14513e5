"""accounts: users.erased_at; accounts that exist before confirmable count as confirmed

Revision ID: 364c42edadf9
Revises: 2148d5b27c81
Create Date: 2026-11-21 04:48:41.721545

Registration now confirms addresses by mail (SECURITY_CONFIRMABLE), and Flask-Security
refuses to log in an unconfirmed account. Every account created before this revision was
made by an admin, the CLI or an unconfirmed-by-design registration, so it is marked
confirmed as of its creation; otherwise upgrading would lock every existing user out.
The downgrade leaves confirmed_at alone (it is harmless without confirmable).

The downgrade refuses (and changes nothing) while the database holds either of:

- erased accounts: without erased_at the older schema cannot tell an erased account
  from a suspended one, so an admin could "reactivate" it and the fact is lost for good;
- accounts awaiting address confirmation (confirmed_at NULL, not erased): the older
  code would let them sign in unconfirmed, and upgrading again would mark them confirmed
  as if an admin had made them.

That guard is what keeps the upgrade honest: every account it finds unconfirmed was made
by code that had no confirmation (before this revision, or after a downgrade that, by
the guard, left no pending registration behind), which is exactly the case the upgrade
confirms. The older code runs against this schema unchanged (erased_at is a nullable
column it never reads), so rolling back the code does not need this downgrade.

Edited after release (revision id unchanged): the guard on the downgrade. Before it,
a round trip through this revision dropped erased_at and confirmed pending
registrations; the upgrade itself is the same statement as before.
"""
from alembic import op
from alembic.util import CommandError
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


def _refuse_to_lose_account_states():
    conn = op.get_bind()
    erased = conn.scalar(sa.text("SELECT count(*) FROM users WHERE erased_at IS NOT NULL"))
    pending = conn.scalar(
        sa.text("SELECT count(*) FROM users WHERE confirmed_at IS NULL AND erased_at IS NULL")
    )
    if not (erased or pending):
        return
    held = []
    if erased:
        held.append(f"{erased} erased account{'s' if erased > 1 else ''}")
    if pending:
        held.append(f"{pending} account{'s' if pending > 1 else ''} awaiting confirmation")
    raise CommandError(
        f"Refusing to downgrade {revision} (users.erased_at): the database holds "
        f"{' and '.join(held)}. The older schema cannot tell an erased account from a "
        "suspended one, and upgrading again would confirm pending addresses unchecked. "
        "Nothing was changed. The older code runs against this schema as it is (it never "
        "reads erased_at): roll back the code and keep the schema, or upgrade again."
    )


def downgrade():
    _refuse_to_lose_account_states()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
