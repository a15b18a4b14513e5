"""import mappings: the column mapping chosen per import kind and header set

Revision ID: d07c905cbcbe
Revises: 3c2de7bca3da
Create Date: 2026-12-07 20:31:18.404439

A new table only (services.imports.memory): the admin's map step and the import
command propose the mapping last chosen for the same headers, else for the kind. The
downgrade refuses (and changes nothing) while mappings are remembered: people chose
them column by column; the older code runs against this schema as it is.
"""
from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd07c905cbcbe'
down_revision = '3c2de7bca3da'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('headers_key', sa.String(length=64), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['updated_by_id'],
            ['users.id'],
            name=op.f('fk_import_mappings_updated_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
        sa.UniqueConstraint('kind', 'headers_key', name='uq_import_mappings_key'),
    )


def downgrade():
    held = op.get_bind().scalar(sa.text("SELECT count(*) FROM import_mappings"))
    if held:
        raise CommandError(
            f"Refusing to downgrade {revision} (import_mappings): {held} remembered import "
            "mapping(s) would be lost. Nothing was changed. The older code runs against "
            "this schema as it is: roll back the code and keep the schema."
        )
    op.drop_table('import_mappings')
