"""Avatars in the admin: the profile form's upload field and the list thumbnails.

Flask-Admin's ImageUploadField is not used: it writes to local disk, names files after
the upload, deletes the old file before the new row is saved, trusts whatever Pillow
opens, and round-trips the stored name through a hidden input a client can edit. Here the
field only validates (through ``process_avatar``); the view stores through the storage
interface and the profile is saved through ``services.profiles.update_profile``, all or nothing.
"""

from __future__ import annotations

import logging

from flask import current_app, flash
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from wtforms import Field, ValidationError
from wtforms.utils import unset_value
from wtforms.widgets import FileInput

from backoffice.extensions import db
from backoffice.services.avatars import AvatarStoreError, store_avatar
from backoffice.services.images import AvatarError, process_avatar
from backoffice.services.profiles import ADMIN_FIELDS, update_profile
from backoffice.web.media import avatar_url

log = logging.getLogger(__name__)

_THUMB = Markup(
    '<img class="avatar avatar-{size}" src="{url}" alt="{alt}" width="{px}" height="{px}">'
)


def avatar_column(view, context, model, name: str) -> Markup | str:
    """List/details formatter: the thumbnail of the avatar key at ``name`` (may be dotted)."""
    key = model
    for part in name.split("."):
        key = getattr(key, part, None)
    url = avatar_url(key, thumbnail=True)
    return _THUMB.format(size="list", url=url, alt="", px=32) if url else ""


class AvatarUploadInput:
    """The current thumbnail, a "remove" checkbox and a file input (``accept="image/*"``)."""

    def __call__(self, field: AvatarUploadField, **kwargs) -> Markup:
        file_input = FileInput()(field, accept="image/*", **kwargs)
        url = avatar_url(field.current, thumbnail=True)
        if not url:
            return file_input
        remove = f"{field.name}-remove"
        return Markup(
            '<div class="mb-2">{thumb}</div>'
            '<div class="form-check mb-2"><input class="form-check-input" type="checkbox"'
            ' id="{remove}" name="{remove}" value="y">'
            '<label class="form-check-label" for="{remove}">Remove the current avatar</label>'
            "</div>{file_input}"
        ).format(
            thumb=_THUMB.format(size="thumb", url=url, alt="Current avatar", px=64),
            remove=remove,
            file_input=file_input,
        )


class AvatarUploadField(Field):
    """An avatar upload, checked by ``process_avatar`` while the form validates.

    It never writes to the model (``populate_obj`` does nothing) and never reads a key
    from the request: ``current`` comes from the object, ``processed`` holds the checked
    upload, ``remove`` the checkbox. The view decides what to store.
    """

    widget = AvatarUploadInput()

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        """Take the stored key from the object, the file and checkbox from the request."""
        self.upload: FileStorage | None = None
        self.processed = None
        super().process(formdata, data, extra_filters)
        self.current = self.object_data if isinstance(self.object_data, str) else None
        self.remove = bool(formdata and formdata.get(f"{self.name}-remove"))

    def process_formdata(self, valuelist) -> None:
        """Keep the first real file; a text value under this name is ignored."""
        files = [v for v in valuelist if isinstance(v, FileStorage) and v.filename]
        self.upload = files[0] if files else None

    def pre_validate(self, form) -> None:
        """Refuse anything but a good image, with the message meant for users."""
        if self.upload is None:
            return
        try:
            self.processed = process_avatar(
                self.upload.read(), max_pixels=current_app.config["AVATAR_MAX_PIXELS"]
            )
        except AvatarError as exc:
            raise ValidationError(str(exc)) from None

    def populate_obj(self, obj, name) -> None:
        """Nothing: the view stores the file and sets the key (see ProfileFormMixin)."""

    @property
    def changes_avatar(self) -> bool:
        """Whether the submitted form replaces or removes the avatar."""
        return self.processed is not None or (self.remove and self.current is not None)


class ProfileFormMixin:
    """For the UserProfile view: save through ``profiles.update_profile``, avatar included.

    An uploaded avatar is stored first; the row then points at it and the transaction
    commits (the old files go) or rolls back (the new ones go). One audit entry says
    what changed, the avatar too.
    """

    def update_model(self, form, model) -> bool:
        """Store any new avatar, update the profile, commit; a failure changes nothing."""
        values = {name: getattr(form, name).data for name in ADMIN_FIELDS}
        field = form.avatar
        try:
            if field.changes_avatar:
                values["avatar"] = store_avatar(field.processed) if field.processed else None
            update_profile(current_user._get_current_object(), model, values)
            db.session.commit()
        except AvatarStoreError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return False
        except Exception as exc:
            db.session.rollback()
            if not self.handle_view_exception(exc):
                log.exception("failed to update a profile")
                flash("Failed to save the profile; nothing was changed.", "error")
            return False
        self.after_model_change(form, model, False)
        return True
