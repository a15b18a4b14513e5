"""Forms of the account area. None carries a user id: the account is always the signed-in one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired

from backoffice.services.profiles import validators
from backoffice.validation import strip_filter


def _text(label: str, name: str, field=StringField, autocomplete: str | None = None):
    """A profile field with the rules from ``services.profiles``, trimmed, blank as None."""
    render_kw = {"autocomplete": autocomplete} if autocomplete else None
    return field(label, validators=validators(name), filters=[strip_filter], render_kw=render_kw)


class ProfileForm(FlaskForm):
    """The user's own profile (``profiles.OWN_FIELDS``)."""

    full_name = _text("Full name", "full_name", autocomplete="name")
    bio = _text("About you", "bio", field=TextAreaField)
    address = _text("Address", "address", autocomplete="street-address")
    zipcode = _text("Postal code", "zipcode", autocomplete="postal-code")
    phone = _text("Phone", "phone", autocomplete="tel")
    website = _text("Website", "website", autocomplete="url")
    submit = SubmitField("Save")


class DeleteAccountForm(FlaskForm):
    """Erasing one's own account needs the current password."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Delete my account")


class ShippingUpdatesForm(FlaskForm):
    """Whether order mails about shipping (shipped, delivered) are wanted."""

    # A required choice, not a checkbox: an unticked box is absent from the POST, so a
    # request missing the field would read as "off".
    shipping_updates = RadioField(
        "Shipping updates",
        choices=[
            SelectChoice("on", "Mail me when an order ships and when it is delivered"),
            SelectChoice("off", "No, only when it is paid or cancelled"),
        ],
        validators=[DataRequired(message="Choose yes or no.")],
    )
    submit = SubmitField("Save")


class SignOutEverywhereForm(FlaskForm):
    """Ending every session of one's own account: the button sends ``confirm=everywhere``
    (a bare POST with only the CSRF token is refused)."""

    confirm = HiddenField(validators=[AnyOf(["everywhere"])])
    submit = SubmitField("Sign out everywhere")
