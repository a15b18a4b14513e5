"""Forms of the account area. None carries a user id: the account is always the signed-in one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from backoffice.validation import phone, strip_filter, website, zipcode

_TEXT = {"filters": [strip_filter]}


class ProfileForm(FlaskForm):
    """The user's own profile."""

    full_name = StringField(
        "Full name",
        validators=[Optional(), Length(max=120)],
        render_kw={"autocomplete": "name"},
        **_TEXT,
    )
    bio = TextAreaField("About you", validators=[Optional(), Length(max=2000)], **_TEXT)
    address = StringField(
        "Address",
        validators=[Optional(), Length(max=255)],
        render_kw={"autocomplete": "street-address"},
        **_TEXT,
    )
    zipcode = StringField(
        "Postal code",
        validators=[Optional(), zipcode],
        render_kw={"autocomplete": "postal-code"},
        **_TEXT,
    )
    phone = StringField(
        "Phone", validators=[Optional(), phone], render_kw={"autocomplete": "tel"}, **_TEXT
    )
    website = StringField(
        "Website",
        validators=[Optional(), website, Length(max=255)],
        render_kw={"autocomplete": "url"},
        **_TEXT,
    )
    submit = SubmitField("Save")


class DeleteAccountForm(FlaskForm):
    """Erasing one's own account needs the current password."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Delete my account")
