"""All models, importable from one place.

One module per area (users, webauthn, catalog, orders, audit, sessions, jobs, api_keys, imports);
``base.py`` holds the naming convention and UTC timestamps. Models may import only the base helpers
(extensions, clock): never services, admin or any door.
"""

from backoffice.models.api_keys import ApiKey, IdempotencyRecord
from backoffice.models.audit import AuditLog
from backoffice.models.base import UTCDateTime, utcnow
from backoffice.models.catalog import Book, Product
from backoffice.models.imports import ImportMapping
from backoffice.models.jobs import ACTIVE_STATES, JOB_STATES, Job
from backoffice.models.notifications import NOTIFICATION_STATES, OrderNote, OrderNotification
from backoffice.models.orders import ORDER_STATUSES, Order, OrderItem, OrderStatus
from backoffice.models.sessions import UserSession
from backoffice.models.users import Role, User, UserProfile, ensure_profile, new_uniquifier
from backoffice.models.webauthn import WebAuthn

__all__ = [
    "ACTIVE_STATES",
    "JOB_STATES",
    "NOTIFICATION_STATES",
    "ORDER_STATUSES",
    "ApiKey",
    "AuditLog",
    "Book",
    "IdempotencyRecord",
    "ImportMapping",
    "Job",
    "Order",
    "OrderItem",
    "OrderNote",
    "OrderNotification",
    "OrderStatus",
    "Product",
    "Role",
    "UTCDateTime",
    "User",
    "UserProfile",
    "UserSession",
    "WebAuthn",
    "ensure_profile",
    "new_uniquifier",
    "utcnow",
]
