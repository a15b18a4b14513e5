"""The staff dashboard at /admin: one Admin per app, every view behind a role check.

Layout: ``base.py`` (rights per endpoint), ``listing.py`` (the one module touching
Flask-Admin's private members: filters, sorting, counts), ``bulk.py``/``bulk_scope.py``
(bulk actions), ``export.py``, ``lookups.py``, ``views/`` and ``actions/`` one module per
area. May import: models, services, storage, validation, web, auth (rate limits) and
the base helpers, and jobs (starting
and showing background jobs); never account or cli.
"""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from backoffice.admin.background import bulk_source, export_source
from backoffice.admin.dashboard import DashboardView
from backoffice.admin.job_status import active_job_count
from backoffice.admin.views.api_keys import ApiKeysView
from backoffice.admin.views.audit import AuditLogView
from backoffice.admin.views.catalog import BookView, ProductView
from backoffice.admin.views.imports import ImportView
from backoffice.admin.views.jobs import JobsView
from backoffice.admin.views.notifications import NotificationView
from backoffice.admin.views.orders import OrderView
from backoffice.admin.views.users import UserProfileView, UserView
from backoffice.extensions import db
from backoffice.jobs.bulk import register_bulk_source
from backoffice.jobs.exports import register_export_source
from backoffice.models import AuditLog, Book, Order, OrderNotification, Product, User, UserProfile
from backoffice.services.imports.rows import register_row_forms
from backoffice.web.headers import csp_nonce


def init_admin(app: Flask) -> Admin:
    """Build the Admin with every view and bind it to ``app``."""
    admin = Admin(
        name=app.config.get("APP_NAME", "Backoffice"),
        theme=Bootstrap4Theme(base_template="layout.html", fluid=True),
        index_view=DashboardView(name="Dashboard", url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(UserView(User, db, category="Accounts", name="Users"))
    admin.add_view(UserProfileView(UserProfile, db, category="Accounts", name="Profiles"))
    products = ProductView(Product, db, category="Catalogue", name="Products")
    books = BookView(Book, db, category="Catalogue", name="Books")
    admin.add_view(products)
    admin.add_view(books)
    admin.add_view(
        ImportView(name="Import", endpoint="import", url="/admin/import", category="Catalogue")
    )
    admin.add_view(OrderView(Order, db, name="Orders"))
    admin.add_view(
        NotificationView(OrderNotification, db, name="Notifications", endpoint="notification")
    )
    admin.add_view(AuditLogView(AuditLog, db, name="Audit log", endpoint="auditlog"))
    admin.add_view(JobsView(name="Jobs", endpoint="jobs", url="/admin/jobs"))
    admin.add_view(ApiKeysView(name="API keys", endpoint="api_keys", url="/admin/api-keys"))
    admin.init_app(app)
    app.extensions["backoffice_admin"] = admin
    # The layout's navbar badge: the signed-in staff member's queued and running jobs.
    app.add_template_global(active_job_count)
    register_export_source(app, export_source(admin))
    register_bulk_source(app, bulk_source(admin))
    # Imports check every row with these forms: the same rules as the create pages.
    register_row_forms(app, {"product": products.get_create_form, "book": books.get_create_form})
    return admin
