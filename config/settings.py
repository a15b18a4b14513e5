"""Settings: a Base class plus Development, Testing and Production variants.

Values come from the environment (see ``config/env.example``), read here and nowhere
else: ``env_bool`` / ``env_int`` / ``env_float`` for the environment, and ``as_bool`` /
``as_number`` for a value that may also come typed from a mapping passed to
``create_app`` (the storage settings). Junk is a ``ConfigError`` naming the variable.
Production refuses to start without its secrets; development and testing generate
throwaway ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

N = TypeVar("N", int, float)
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run the app safely."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def as_bool(name: str, value: Any, default: bool) -> bool:
    """A boolean setting given as a bool or a string ("1", "true", "yes", "on" or the opposites).

    Unset or empty is ``default``; anything else is a ``ConfigError`` naming the setting.
    """
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


def as_number(name: str, value: Any, default: N, kind: Callable[[Any], N]) -> N:
    """An int or float setting given as a number or a string; junk is a ``ConfigError``."""
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r} is not a number") from None


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (see ``as_bool``)."""
    return as_bool(name, os.environ.get(name), default)


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    return as_number(name, os.environ.get(name), default, int)


def env_float(name: str, default: float) -> float:
    """Read a decimal number from the environment (``"2.5"``, ``"10"``)."""
    return as_number(name, os.environ.get(name), default, float)


def default_sqlite_url() -> str:
    """SQLite file under ``instance/``: the embedded default."""
    return f"sqlite:///{ROOT / 'instance' / 'backoffice.db'}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy defaults to psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Base:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Flask-WTF: CSRF on every state-changing request, forms and JSON alike.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # bound to the session instead of a clock

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    # Flask-Security-Too
    SECURITY_PASSWORD_HASH = "bcrypt"  # noqa: S105 - a scheme name, not a secret
    SECURITY_PASSWORD_LENGTH_MIN = 12
    SECURITY_REGISTERABLE = True
    SECURITY_RECOVERABLE = True
    SECURITY_CHANGEABLE = True
    SECURITY_TRACKABLE = True
    # Registration is confirmed by mail, so /register answers the same for a new and an
    # already-registered address (the latter gets a "you already have an account" mail).
    SECURITY_CONFIRMABLE = True
    # One answer for unknown user, wrong password, locked and suspended accounts on login,
    # register and reset; the real reason goes to the audit log (backoffice/auth/refusals.py).
    SECURITY_RETURN_GENERIC_RESPONSES = True
    SECURITY_PASSWORD_COMPLEXITY_CHECKER = "zxcvbn"  # noqa: S105 - a checker name
    SECURITY_ZXCVBN_MINIMUM_SCORE = 3
    SECURITY_USERNAME_ENABLE = True
    SECURITY_USERNAME_REQUIRED = False
    SECURITY_POST_LOGIN_VIEW = "/account/"
    SECURITY_POST_LOGOUT_VIEW = "/"
    SECURITY_POST_REGISTER_VIEW = "/login"
    SECURITY_SEND_REGISTER_EMAIL = True
    SECURITY_EMAIL_SENDER = "no-reply@backoffice.local"
    # Syntax checks only: no DNS lookups on the request path (they hang without network).
    SECURITY_EMAIL_VALIDATOR_ARGS = {"check_deliverability": False}
    SECURITY_FLASH_MESSAGES = True
    SECURITY_REDIRECT_BEHAVIOR = None
    # Flask-Security's JSON GET /login and /register hand out a csrf_token; the
    # JSON POST then sends it back in the X-CSRF-Token header.
    SECURITY_CSRF_HEADER = "X-CSRF-Token"
    # Flask-Security's own `users` / `roles` CLI groups change accounts without our rules
    # (they could demote the last admin) or an audit entry: every account change goes
    # through backoffice/services/accounts.py, whose commands are in backoffice/cli/users.py.
    SECURITY_CLI_USERS_NAME = False
    SECURITY_CLI_ROLES_NAME = False
    # Off: Flask-Security 5.9 writes its default as "private=True, no-store=True" (werkzeug
    # renders the True values); backoffice/web/headers.py sends "no-store" instead.
    SECURITY_CACHE_CONTROL = None

    # Two factors (backoffice/auth/two_factor.py): an authenticator app (TOTP), required for
    # admin and staff (User.check_tf_required), optional for customers; no mail or SMS codes.
    SECURITY_TWO_FACTOR = True
    SECURITY_TWO_FACTOR_ENABLED_METHODS = ["authenticator"]
    # A hijacked mailbox must not stand in for the second factor: recovery codes instead.
    SECURITY_TWO_FACTOR_RESCUE_EMAIL = False
    # Every sign-in asks for the code (no 30-day "trust this browser" cookie).
    SECURITY_TWO_FACTOR_ALWAYS_VALIDATE = True
    SECURITY_TWO_FACTOR_POST_SETUP_VIEW = "/account/"
    SECURITY_MULTI_FACTOR_RECOVERY_CODES = True
    SECURITY_MULTI_FACTOR_RECOVERY_CODES_N = 10
    # Passkeys (WebAuthn) as a second factor only, registered from /account. Never in
    # place of the password, and never alone for a fresh sign-in (/verify asks for both).
    # The relying party is the request's host: the site must be reached by its name.
    SECURITY_WEBAUTHN = True
    SECURITY_WAN_ALLOW_AS_FIRST_FACTOR = False
    SECURITY_WAN_ALLOW_AS_MULTI_FACTOR = True
    SECURITY_WAN_ALLOW_AS_VERIFY = None
    # Fresh sign-in for dangerous actions (backoffice/auth/freshness.py), in minutes. No
    # grace by default, deliberately: Flask-Security's grace slides (each fresh check
    # pushes it on), so any grace lets a busy session stay "fresh" for ever.
    FRESHNESS_MINUTES = 15
    FRESHNESS_GRACE_MINUTES = 0

    MAIL_DEFAULT_SENDER = "no-reply@backoffice.local"

    # Lockout: this many consecutive failed logins lock the account for LOCKOUT_MINUTES.
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 15

    # Flask-Limiter: per client address on the public sign-in pages (POSTs only).
    # memory:// counts per process; use Redis (redis://host:6379) with several workers.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10/minute"
    REGISTER_RATE_LIMIT = "5/minute"
    RESET_RATE_LIMIT = "5/minute"
    # Per signed-in account: POSTs to /change (each one a guess at the current password).
    CHANGE_PASSWORD_RATE_LIMIT = "5/minute"  # noqa: S105 - a rate, not a secret
    EMAIL_CHECK_RATE_LIMIT = "60/minute"
    # Per API key, over every /api/v1 endpoint together (429 with Retry-After beyond it).
    API_RATE_LIMIT = "600/minute"

    # The REST API (backoffice/api): flask-smorest builds the OpenAPI document from the
    # schemas and serves it at /api/openapi.json; /api/docs is our own page (vendored
    # Swagger UI under the page's CSP), so flask-smorest's CDN-backed UIs stay off.
    API_TITLE = "Backoffice API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"

    ACCOUNT_ORDERS_PER_PAGE = 10

    APP_NAME = "Backoffice"
    # Avatars: images larger than this many pixels are refused before decoding
    # (decompression bombs); see backoffice/services/images.py for the default.
    AVATAR_MAX_PIXELS = 40_000_000
    LOW_STOCK_THRESHOLD = 5
    # Admin lists of a table this big (or bigger), unfiltered, show an estimated count
    # ("about 1,000,000") instead of counting every row; see backoffice/services/counts.py.
    LIST_COUNT_ESTIMATE_THRESHOLD = 100_000
    # A callable returning the current aware UTC time for the dashboard; None means
    # the real clock. Tests pin it to compute figures against known dates.
    CLOCK = None
    PROXY_FIX_X_FOR = 0
    LOG_LEVEL = "INFO"
    # The job queue's name (Huey's): its Redis keys, or its table in the SQLite file.
    # Tests give each queue a name of its own on the shared Redis.
    JOBS_QUEUE_NAME = "backoffice"

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.SECURITY_PASSWORD_SALT = os.environ.get("SECURITY_PASSWORD_SALT")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or default_sqlite_url()
        )
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        # Mail leaves after the response, but a hung SMTP server would still hold the
        # worker that sends it: give up after this many seconds (the failure is logged).
        self.MAIL_TIMEOUT = env_float("MAIL_TIMEOUT", 10.0)
        # The "file" backend writes each message under this directory (the browser tests
        # read confirmation and reset links there).
        self.MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(ROOT / "instance" / "mail"))
        if os.environ.get("MAIL_DEFAULT_SENDER"):
            self.MAIL_DEFAULT_SENDER = os.environ["MAIL_DEFAULT_SENDER"]
            self.SECURITY_EMAIL_SENDER = self.MAIL_DEFAULT_SENDER
        self.SECURITY_PASSWORD_LENGTH_MIN = env_int(
            "PASSWORD_MIN_LENGTH", self.SECURITY_PASSWORD_LENGTH_MIN
        )
        self.SECURITY_ZXCVBN_MINIMUM_SCORE = env_int(
            "PASSWORD_MIN_SCORE", self.SECURITY_ZXCVBN_MINIMUM_SCORE
        )
        self.LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", self.LOCKOUT_THRESHOLD)
        self.LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", self.LOCKOUT_MINUTES)
        self.RATELIMIT_STORAGE_URI = os.environ.get(
            "RATELIMIT_STORAGE_URI", self.RATELIMIT_STORAGE_URI
        )
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", self.LOGIN_RATE_LIMIT)
        self.REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", self.REGISTER_RATE_LIMIT)
        self.RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", self.RESET_RATE_LIMIT)
        self.CHANGE_PASSWORD_RATE_LIMIT = os.environ.get(
            "CHANGE_PASSWORD_RATE_LIMIT", self.CHANGE_PASSWORD_RATE_LIMIT
        )
        self.EMAIL_CHECK_RATE_LIMIT = os.environ.get(
            "EMAIL_CHECK_RATE_LIMIT", self.EMAIL_CHECK_RATE_LIMIT
        )
        self.API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", self.API_RATE_LIMIT)
        # Idempotency-Key records (the first answer to an order placement) older than this
        # are deleted by a daily worker task; a retry after that places a new order.
        self.IDEMPOTENCY_RETENTION_DAYS = env_int("IDEMPOTENCY_RETENTION_DAYS", 7)
        self.BCRYPT_ROUNDS = env_int("BCRYPT_ROUNDS", 12)
        self.SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS = {"bcrypt__rounds": self.BCRYPT_ROUNDS}
        self.LOW_STOCK_THRESHOLD = env_int("LOW_STOCK_THRESHOLD", self.LOW_STOCK_THRESHOLD)
        self.LIST_COUNT_ESTIMATE_THRESHOLD = env_int(
            "LIST_COUNT_ESTIMATE_THRESHOLD", self.LIST_COUNT_ESTIMATE_THRESHOLD
        )
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", self.MAX_CONTENT_LENGTH)
        self.PROXY_FIX_X_FOR = env_int("PROXY_FIX_X_FOR", self.PROXY_FIX_X_FOR)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", self.LOG_LEVEL)
        self.APP_NAME = os.environ.get("APP_NAME", self.APP_NAME)
        self.SECURITY_TOTP_ISSUER = self.APP_NAME
        self.SECURITY_WAN_RP_NAME = self.APP_NAME
        self.SECURITY_TOTP_SECRETS = totp_secrets(os.environ.get("SECURITY_TOTP_SECRETS"))
        self.SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS = fernet_keys(
            os.environ.get("SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS")
        )
        self.FRESHNESS_MINUTES = env_int("FRESHNESS_MINUTES", self.FRESHNESS_MINUTES)
        self.FRESHNESS_GRACE_MINUTES = env_int(
            "FRESHNESS_GRACE_MINUTES", self.FRESHNESS_GRACE_MINUTES
        )
        self.SECURITY_FRESHNESS = dt.timedelta(minutes=self.FRESHNESS_MINUTES)
        self.SECURITY_FRESHNESS_GRACE_PERIOD = dt.timedelta(minutes=self.FRESHNESS_GRACE_MINUTES)
        self.AVATAR_MAX_PIXELS = env_int("AVATAR_MAX_PIXELS", self.AVATAR_MAX_PIXELS)
        self._read_storage_settings()
        self._read_job_settings()

    def _read_job_settings(self) -> None:
        """The background job queue (backoffice/jobs): SQLite under instance/, or Redis."""
        self.JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH") or str(
            ROOT / "instance" / "jobs.db"
        )
        self.JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL", "")
        self.JOB_RESULT_DAYS = env_int("JOB_RESULT_DAYS", 7)
        self.JOB_BATCH_SIZE = env_int("JOB_BATCH_SIZE", 5000)
        # A running job whose heartbeat (written with each batch) is older than this is
        # taken as dead: resumed from its checkpoint, or failed (backoffice/jobs/reaper.py).
        # Keep it well above the time one batch (or an export's final save) can take.
        self.JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 300)
        # Bulk actions on more rows than this run as a background job.
        self.BULK_INLINE_LIMIT = env_int("BULK_INLINE_LIMIT", 10_000)
        # Mail is sent by the worker (backoffice/jobs/mail.py): a failed send is retried
        # MAIL_RETRIES times, the first after MAIL_RETRY_SECONDS, each wait twice the last.
        self.MAIL_RETRIES = env_int("MAIL_RETRIES", 6)
        self.MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 30)
        # Customer mail about orders (backoffice/jobs/notify.py) leaves at most this many
        # a minute, whatever a bulk move queued; 0: no limit.
        self.MAIL_RATE_LIMIT = env_int("MAIL_RATE_LIMIT", 600)
        # Imports (services/imports): larger CSV/XLSX files are refused before reading.
        self.IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50_000_000)

    def _read_storage_settings(self) -> None:
        """Where uploaded files go; backoffice.storage checks the backend and the server."""
        self.STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(ROOT / "uploads")
        self.FTP_HOST = os.environ.get("FTP_HOST", "")
        self.FTP_PORT = env_int("FTP_PORT", 21)
        self.FTP_USER = os.environ.get("FTP_USER", "anonymous")
        self.FTP_PASSWORD = os.environ.get("FTP_PASSWORD", "")
        self.FTP_DIR = os.environ.get("FTP_DIR", "")
        self.FTP_TLS = env_bool("FTP_TLS", False)
        self.FTP_TLS_CAFILE = os.environ.get("FTP_TLS_CAFILE", "")
        self.FTP_TIMEOUT = env_float("FTP_TIMEOUT", 10.0)
        self.FTP_PASSIVE = env_bool("FTP_PASSIVE", True)

    def as_dict(self) -> dict:
        """Every upper-case setting as a plain mapping for ``app.config``."""
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


class Development(Base):
    """Local development: debug toolbar off, throwaway secrets, mail to the console."""

    ENV_NAME = "development"
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        # Stable per-checkout secrets so a dev restart keeps sessions and hashes valid.
        self.SECRET_KEY = self.SECRET_KEY or _instance_secret("secret_key")
        self.SECURITY_PASSWORD_SALT = self.SECURITY_PASSWORD_SALT or _instance_secret(
            "password_salt"
        )
        self.SECURITY_TOTP_SECRETS = self.SECURITY_TOTP_SECRETS or {1: _instance_secret("totp")}
        self.SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS = (
            self.SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS
            or fernet_keys(_instance_secret("recovery_codes_key", _new_fernet_key))
        )


class Testing(Base):
    """The test suite: fast hashing, mail kept in memory, a throwaway database."""

    ENV_NAME = "testing"
    TESTING = True
    # Tests that exercise the limiter switch it on with @pytest.mark.config.
    RATELIMIT_ENABLED = False

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = secrets.token_hex(32)
        self.SECURITY_PASSWORD_SALT = secrets.token_hex(16)
        self.SECURITY_TOTP_SECRETS = {1: secrets.token_hex(32)}
        self.SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS = [_new_fernet_key()]
        self.MAIL_BACKEND = "locmem"
        self.BCRYPT_ROUNDS = 4  # bcrypt's minimum: the suite hashes hundreds of passwords
        self.SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS = {"bcrypt__rounds": 4}
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        )
        # Never the checkout's uploads/ nor a store named in the environment (the tests
        # delete files): a throwaway local directory per process, created on first save.
        # The test fixtures give each app a directory of its own, or a test FTP server.
        self.STORAGE_BACKEND = "local"
        self.UPLOAD_DIR = str(Path(tempfile.gettempdir()) / f"backoffice-test-{os.getpid()}")
        # Never the checkout's queue nor one named in the environment: tests enqueue jobs.
        self.JOBS_SQLITE_PATH = str(
            Path(tempfile.gettempdir()) / f"backoffice-jobs-{os.getpid()}.db"
        )
        self.JOBS_REDIS_URL = ""


class Production(Base):
    """Production: every secret from the environment, secure cookies, SMTP mail."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self) -> None:
        super().__init__()
        missing = [
            name
            for name in (
                "SECRET_KEY",
                "SECURITY_PASSWORD_SALT",
                "SECURITY_TOTP_SECRETS",
                "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS",
                "DATABASE_URL",
            )
            if not os.environ.get(name)
        ]
        if missing:
            raise ConfigError("Production needs these environment variables: " + ", ".join(missing))
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
        self.DEBUG = False


def totp_secrets(text: str | None) -> dict[int, str] | None:
    """SECURITY_TOTP_SECRETS: ``"2:newsecret 1:oldsecret"`` (or one bare secret, key 1).

    Flask-Security encrypts each user's TOTP secret with these (passlib's ``secrets``):
    the highest key encrypts, every listed one still decrypts, so a key is rotated by
    adding a higher one and dropping the old one once every secret was re-enrolled.
    """
    if not text or not text.strip():
        return None
    found: dict[int, str] = {}
    for item in text.replace(",", " ").split():
        key, sep, value = item.partition(":")
        if not sep:
            key, value = "1", item
        if not key.isdigit() or not value:
            raise ConfigError("SECURITY_TOTP_SECRETS must look like '1:secret' or '2:new 1:old'")
        found[int(key)] = value
    return found


def fernet_keys(text: str | None) -> list[str] | None:
    """SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS: Fernet keys, newest first, comma-separated."""
    if not text or not text.strip():
        return None
    keys = [k.strip() for k in text.split(",") if k.strip()]
    for key in keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(
                "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS must be Fernet keys "
                "(32 url-safe base64 bytes), comma-separated"
            )
    return keys


def _new_fernet_key() -> str:
    """A Fernet key (what ``cryptography.fernet.Fernet.generate_key`` makes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _instance_secret(name: str, make: Callable[[], str] = lambda: secrets.token_hex(32)) -> str:
    """A random secret kept in ``instance/`` so development restarts reuse it."""
    path = ROOT / "instance" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


CONFIGS = {"development": Development, "testing": Testing, "production": Production}


def config_for_env(name: str | None = None) -> Base:
    """Build the settings object for ``name`` (default: ``BACKOFFICE_ENV`` or development)."""
    name = (name or os.environ.get("BACKOFFICE_ENV") or "development").lower()
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"BACKOFFICE_ENV={name!r} is not one of {', '.join(CONFIGS)}") from None
    return cls()
