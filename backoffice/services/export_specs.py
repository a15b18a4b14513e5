"""What each model exports: explicit, labelled columns (never a secret)."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.models import (
    AuditLog,
    Book,
    Order,
    OrderItem,
    OrderNotification,
    Product,
    User,
    UserProfile,
)
from backoffice.models.users import Role, roles_users
from backoffice.services.exports import ExportColumn, ExportError, ExportSpec, sql_format


def _related(label: str, column, where, correlate, kind: str = "text") -> ExportColumn:
    """A value from another table as a correlated scalar subquery.

    Robust whatever joins the list's search and filters added; the cell is written
    inside the subquery, so the outer query evaluates it once per row.
    """
    subquery = select(sql_format(column, kind)).where(where).correlate(correlate)
    value = select(column).where(where).correlate(correlate).scalar_subquery()
    return ExportColumn(label, subquery.scalar_subquery(), "formatted", value, kind)


def _created_updated(model) -> tuple[ExportColumn, ExportColumn]:
    return (
        ExportColumn("Created at", model.created_at, "datetime"),
        ExportColumn("Updated at", model.updated_at, "datetime"),
    )


def _with_id_and_times(name: str, model, *columns: ExportColumn) -> ExportSpec:
    """A spec whose first column is the row's ID and whose last two are its timestamps."""
    return ExportSpec(
        name, model, (ExportColumn("ID", model.id, "int"), *columns, *_created_updated(model))
    )


def _for_sale(model) -> tuple[ExportColumn, ...]:
    """Price, stock and availability, as every catalogue item has them."""
    return (
        ExportColumn("Price", model.price, "money"),
        ExportColumn("Stock", model.stock, "int"),
        ExportColumn("Available", model.is_available, "bool"),
    )


def _build_specs() -> dict[str, ExportSpec]:
    # Explicit lists only: a password hash, token or uniquifier can never slip in.
    def role_names(name):
        return (
            select(func.aggregate_strings(name, ", "))
            .select_from(roles_users.join(Role, Role.id == roles_users.c.role_id))
            .where(roles_users.c.user_id == User.id)
            .correlate(User)
            .scalar_subquery()
        )

    user = _with_id_and_times(
        "users",
        User,
        ExportColumn("Email", User.email),
        ExportColumn("Username", User.username),
        _related("Full name", UserProfile.full_name, UserProfile.user_id == User.id, User),
        ExportColumn(
            "Roles", role_names(sql_format(Role.name, "text")), "formatted", role_names(Role.name)
        ),
        ExportColumn("Active", User.active, "bool"),
        ExportColumn("Confirmed at", User.confirmed_at, "datetime"),
        ExportColumn("Last login at", User.last_login_at, "datetime"),
        ExportColumn("Login count", User.login_count, "int"),
        ExportColumn("Failed logins", User.failed_logins, "int"),
        ExportColumn("Locked until", User.locked_until, "datetime"),
        ExportColumn("Erased at", User.erased_at, "datetime"),
    )
    profile = _with_id_and_times(
        "profiles",
        UserProfile,
        ExportColumn("User ID", UserProfile.user_id, "int"),
        _related("User email", User.email, User.id == UserProfile.user_id, UserProfile),
        ExportColumn("Full name", UserProfile.full_name),
        ExportColumn("Phone", UserProfile.phone),
        ExportColumn("Address", UserProfile.address),
        ExportColumn("Zip code", UserProfile.zipcode),
        ExportColumn("Contact email", UserProfile.contact_email),
        ExportColumn("Website", UserProfile.website),
        ExportColumn("Bio", UserProfile.bio),
    )
    product = _with_id_and_times(
        "products",
        Product,
        ExportColumn("SKU", Product.sku),
        ExportColumn("Name", Product.name),
        ExportColumn("Category", Product.category),
        *_for_sale(Product),
        ExportColumn("Description", Product.description),
    )
    book = _with_id_and_times(
        "books",
        Book,
        ExportColumn("ISBN", Book.isbn),
        ExportColumn("Title", Book.title),
        ExportColumn("Author", Book.author),
        ExportColumn("Publisher", Book.publisher),
        ExportColumn("Year", Book.published_year, "int"),
        ExportColumn("Genre", Book.genre),
        *_for_sale(Book),
    )
    order = ExportSpec(
        "orders",
        Order,
        (
            ExportColumn("Order", Order.id, "int"),
            _related("Customer email", User.email, User.id == Order.user_id, Order),
            ExportColumn("Status", Order.status),
            ExportColumn("Total", Order.total, "money"),
            _related("Items", func.count(), OrderItem.order_id == Order.id, Order, "int"),
            ExportColumn("Shipping address", Order.shipping_address),
            *_created_updated(Order),
        ),
    )
    audit = ExportSpec(
        "audit-log",
        AuditLog,
        (
            ExportColumn("ID", AuditLog.id, "int"),
            ExportColumn("When", AuditLog.created_at, "datetime"),
            ExportColumn("Actor", AuditLog.actor_email),
            ExportColumn("API key", AuditLog.api_key),
            ExportColumn("Address", AuditLog.ip),
            ExportColumn("Action", AuditLog.action),
            ExportColumn("Model", AuditLog.model),
            ExportColumn("Object", AuditLog.object_id),
            ExportColumn("Summary", AuditLog.summary),
            ExportColumn("Changes", AuditLog.changes, "json"),
        ),
    )
    mail = ExportSpec(
        "order-mails",
        OrderNotification,
        (
            ExportColumn("Mail", OrderNotification.id, "int"),
            ExportColumn("Order", OrderNotification.order_id, "int"),
            ExportColumn("About", OrderNotification.status),
            ExportColumn("State", OrderNotification.state),
            ExportColumn("Attempts", OrderNotification.attempts, "int"),
            ExportColumn("Last error", OrderNotification.last_error),
            ExportColumn("Changed by", OrderNotification.changed_by),
            ExportColumn("Created", OrderNotification.created_at, "datetime"),
            ExportColumn("Sent", OrderNotification.sent_at, "datetime"),
        ),
    )
    specs = (user, profile, product, book, order, audit, mail)
    return {spec.model.__name__: spec for spec in specs}


SPECS: dict[str, ExportSpec] = _build_specs()


def spec_for(model: type) -> ExportSpec:
    """The export spec of ``model``; ExportError when it has none."""
    try:
        return SPECS[model.__name__]
    except KeyError:
        raise ExportError(f"{model.__name__} cannot be exported.") from None
