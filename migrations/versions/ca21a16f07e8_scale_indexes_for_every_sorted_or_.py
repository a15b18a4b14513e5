"""scale: indexes for every sorted or filtered admin column, product name lookup key

Revision ID: ca21a16f07e8
Revises: 364c42edadf9
Create Date: 2026-11-21 06:01:47.314379

Every column an admin list sorts or filters by gets an index (tests/admin/test_indexes.py
checks the views against the schema), so no list page scans a big table:

- users: failed_logins, locked_until, last_login_at (sortable in the user list);
- user_profiles: updated_at (the profile list's default sort), zipcode (a filter);
- products: updated_at; orders: updated_at;
- audit_log: actor_email, ip (filters);
- orders(status) on its own: counting orders per status (dashboard) reads this small
  index only;
- orders(status, created_at) becomes orders(status, created_at, total): the same lookups,
  plus the dashboard's revenue sums as index-only scans.

products.name_key is the lower-cased name, for the order form's indexed prefix lookup
of products. It is filled here with Python's str.lower, the same function the model
uses (SQL lower() folds only ASCII on SQLite), in batches.

On PostgreSQL, CREATE INDEX blocks writes to the table while it builds (seconds for a
million orders); run the upgrade in a quiet moment.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ca21a16f07e8'
down_revision = '364c42edadf9'
branch_labels = None
depends_on = None

BATCH = 5000

#: (index name, table, columns) created by this revision.
INDEXES = (
    ("ix_users_failed_logins", "users", ["failed_logins"]),
    ("ix_users_last_login_at", "users", ["last_login_at"]),
    ("ix_users_locked_until", "users", ["locked_until"]),
    ("ix_user_profiles_updated_at", "user_profiles", ["updated_at"]),
    ("ix_user_profiles_zipcode", "user_profiles", ["zipcode"]),
    ("ix_products_updated_at", "products", ["updated_at"]),
    ("ix_products_name_key", "products", ["name_key"]),
    ("ix_orders_updated_at", "orders", ["updated_at"]),
    ("ix_orders_status", "orders", ["status"]),
    ("ix_orders_status_created_at_total", "orders", ["status", "created_at", "total"]),
    ("ix_audit_log_actor_email", "audit_log", ["actor_email"]),
    ("ix_audit_log_ip", "audit_log", ["ip"]),
)


def _fill_name_keys() -> None:
    products = sa.table(
        "products", sa.column("id", sa.Integer), sa.column("name"), sa.column("name_key")
    )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(products.c.id, products.c.name)
            .where(products.c.id > last)
            .order_by(products.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            products.update()
            .where(products.c.id == sa.bindparam("pid"))
            .values(name_key=sa.bindparam("key")),
            [{"pid": pid, "key": (name or "").lower()} for pid, name in rows],
        )
        last = rows[-1].id


def upgrade():
    # NOT NULL with a default: SQLite adds such a column in place, where any other
    # change would rebuild the products table (refused while order items point at it).
    op.add_column(
        'products',
        sa.Column('name_key', sa.String(length=200), server_default='', nullable=False),
    )
    _fill_name_keys()

    op.drop_index('ix_orders_status_created_at', table_name='orders')
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index('ix_orders_status_created_at', 'orders', ['status', 'created_at'], unique=False)

    # SQLite 3.35+ drops a plain column in place too.
    op.drop_column('products', 'name_key')
