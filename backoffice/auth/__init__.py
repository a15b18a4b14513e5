"""Sign-in wiring: Flask-Security-Too bound with our identities, passwords, forms and limits.

What lives here, one job per module:

* ``identities``: the user datastore and the email / username rules (stored lower-case);
  Flask-Security's rendered mail is handed to ``backoffice.outgoing_mail``;
* ``passwords``: length and strength rules (``BackofficePasswordUtil``, ``strength_errors``);
* ``forms``: Flask-Security's forms with our refusals audited and the lockout on /change;
* ``refusals``: what a refused request is told (one generic answer) and what staff learn
  (the audit entry with its real reason, ``identity_digest``);
* ``events``: Flask-Security's signals → lockout counter and audit trail;
* ``sessions``: one server-side session row per sign-in, so sign-out is final;
* ``limits``: rate limits on the sign-in endpoints, /change and the staff email check;
* ``two_factor``: the second factor's lockout, shown-once recovery codes and audit;
* ``freshness``: is the session freshly signed in, and /verify asking for both factors.

It may import the extensions, models, services, ``clock`` and ``outgoing_mail``; never the
doors above it (admin, account, web, cli), which import from here.
"""

from __future__ import annotations

from flask import Flask
from flask_security import Security

from backoffice.auth.events import init_events
from backoffice.auth.forms import (
    AuditedForgotPasswordForm,
    AuditedLoginForm,
    AuditedSendConfirmationForm,
    LockoutChangePasswordForm,
    RegisterForm,
)
from backoffice.auth.freshness import FreshSignInForm
from backoffice.auth.identities import (
    IDENTITY_ATTRIBUTES,
    LowercaseMailUtil,
    LowercaseUsernameUtil,
    UserDatastore,
)
from backoffice.auth.limits import init_limits
from backoffice.auth.passwords import BackofficePasswordUtil
from backoffice.auth.refusals import render_json
from backoffice.auth.sessions import init_sessions
from backoffice.auth.two_factor import (
    LockoutRecoveryForm,
    LockoutTwoFactorCodeForm,
    NewRecoveryCodesForm,
    PasskeyRegisterForm,
    RescueForm,
    SetupForm,
    ShownOnceRecoveryCodes,
    init_two_factor,
)
from backoffice.extensions import db
from backoffice.models import Role, User, WebAuthn


def init_auth(app: Flask) -> None:
    """Bind Flask-Security with our datastore, forms and rules; then events, sessions, limits."""
    app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"] = IDENTITY_ATTRIBUTES
    security = Security(
        register_form=RegisterForm,
        login_form=AuditedLoginForm,
        forgot_password_form=AuditedForgotPasswordForm,
        send_confirmation_form=AuditedSendConfirmationForm,
        change_password_form=LockoutChangePasswordForm,
        mail_util_cls=LowercaseMailUtil,
        username_util_cls=LowercaseUsernameUtil,
        password_util_cls=BackofficePasswordUtil,
        two_factor_verify_code_form=LockoutTwoFactorCodeForm,
        mf_recovery_form=LockoutRecoveryForm,
        two_factor_rescue_form=RescueForm,
        two_factor_setup_form=SetupForm,
        verify_form=FreshSignInForm,
        wan_register_form=PasskeyRegisterForm,
        mf_recovery_codes_form=NewRecoveryCodesForm,
        mf_recovery_codes_util_cls=ShownOnceRecoveryCodes,
    )
    security.init_app(app, UserDatastore(db, User, Role, webauthn_model=WebAuthn))
    security.render_json(render_json)
    init_events(app)
    init_two_factor(app)
    # Both need Flask-Security bound: the session check wraps its user loader, and the
    # limits wrap its views.
    init_sessions(app)
    init_limits(app)
