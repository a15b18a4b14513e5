"""The signed-in user's own picture: /account/avatar/ to upload, replace or remove it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_security import auth_required, current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from backoffice.extensions import db
from backoffice.models.users import ensure_profile
from backoffice.services.avatars import AvatarStoreError, remove_avatar, set_avatar
from backoffice.services.images import AvatarError

bp = Blueprint("avatar", __name__, url_prefix="/account/avatar")


class AvatarForm(FlaskForm):
    """Upload a new picture (judged by its content, not its name or type)."""

    avatar = FileField(
        "New picture",
        validators=[FileRequired("Choose an image file to upload.")],
        description="JPEG, PNG, GIF or WebP. It is cropped to a square for lists.",
        render_kw={"accept": "image/*"},
    )


class RemoveAvatarForm(FlaskForm):
    """A button with nothing but the CSRF token."""


@bp.route("/", methods=["GET", "POST"])
@auth_required()
def page():
    """Show the current picture; a POST replaces it."""
    form = AvatarForm()
    profile = ensure_profile(current_user._get_current_object())
    status = 200
    if form.validate_on_submit():
        try:
            set_avatar(profile, form.avatar.data.read())
            db.session.commit()
        except AvatarError as exc:  # refused before anything was stored
            form.avatar.errors.append(str(exc))
            status = 400
        except AvatarStoreError as exc:
            db.session.rollback()  # files stored meanwhile go with it
            flash(str(exc), "error")
            status = 503
        else:
            flash("Your picture was updated.", "success")
            return redirect(url_for(".page"))
    elif form.is_submitted():
        status = 400
    html = render_template(
        "account/avatar.html", form=form, remove_form=RemoveAvatarForm(), profile=profile
    )
    return html, status


@bp.post("/remove")
@auth_required()
def remove():
    """Remove the current picture (and its files)."""
    if not RemoveAvatarForm().validate_on_submit():
        abort(400)
    profile = ensure_profile(current_user._get_current_object())
    if profile.avatar:
        remove_avatar(profile)
        db.session.commit()
        flash("Your picture was removed.", "success")
    return redirect(url_for(".page"))
