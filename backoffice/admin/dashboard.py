"""The admin home page (/admin/): cards and charts from backoffice.services.dashboard."""

from __future__ import annotations

from flask import current_app
from flask_admin import AdminIndexView, expose

from backoffice.admin.base import SecuredMixin
from backoffice.admin.charts import category_rows, daily_columns
from backoffice.clock import now
from backoffice.services import dashboard


class DashboardView(SecuredMixin, AdminIndexView):
    """The dashboard, closed to everyone but staff (anonymous visitors log in first)."""

    #: Ours, not the ``template=`` argument, which Flask-Admin keeps in a private member.
    template = "admin/index.html"

    @expose("/")
    def index(self):
        """Users, orders, revenue, low stock and recent orders, with two SVG charts."""
        data = dashboard.snapshot(now(), int(current_app.config["LOW_STOCK_THRESHOLD"]))
        charts = {
            "revenue": daily_columns("Revenue per day, last 30 days (UTC)", data.revenue_by_day),
            "statuses": category_rows("Orders by status", list(data.orders_by_status.items())),
        }
        return self.render(self.template, data=data, charts=charts)
