"""audit history index: a record's audit entries newest first (its History tab)

Revision ID: 8f477f241535
Revises: e45d54af152b
Create Date: 2026-12-07 20:44:30.875878

(model, object_id, created_at, id) replaces (model, object_id): it serves the same
lookups, and a record's history page reads its entries in order without a sort. The new
index is built before the old one is dropped. Nothing is lost either way, so the
downgrade simply swaps them back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f477f241535'
down_revision = 'e45d54af152b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_model_object_id_created_at', ['model', 'object_id', 'created_at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_audit_log_model_object_id'))



def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_model_object_id'), ['model', 'object_id'], unique=False)
        batch_op.drop_index('ix_audit_log_model_object_id_created_at')

