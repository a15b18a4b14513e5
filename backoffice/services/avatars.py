"""Avatars: store a processed image and its thumbnail, point a profile at them, clean up.

Key convention: ``UserProfile.avatar`` holds the image's key, ``avatars/<32 hex>.webp``
(random, from ``storage.new_key``); the 128 px thumbnail lives beside it under the same
name plus ``-thumb`` (``avatars/<32 hex>-thumb.webp``, see ``thumbnail_key``). A new
upload always gets a new key, so a URL never changes meaning and can be cached forever.

Order of work, so no failure leaves a half-done change:

1. ``process_avatar`` checks and re-encodes the upload (``AvatarError`` for the user).
2. ``store_avatar`` writes both files; if the second fails, the first is deleted.
3. ``replace_avatar`` points the profile row at the new key (the old key is read after
   ``locks.lock_rows`` on the profile, so two concurrent uploads cannot both think they
   replaced the same file: on SQLite too, where that lock is the database write lock).
   The caller commits.
4. Only after the commit are the old files deleted; if the transaction rolls back
   instead, the new ones are (after-commit hooks, ``backoffice.after_commit``).

Erasing or deleting a user: ``delete_avatar_files_after_commit(key)`` inside the
transaction (the files go when it commits, and stay if it rolls back), or
``delete_avatar_files(key)`` once the change is committed.

Deleting is best effort: a file store that is down when an old avatar should go leaves an
unreferenced file, logged here and removed later by ``python manage.py storage sweep``.
"""

from __future__ import annotations

import logging

from flask import current_app

from backoffice.after_commit import Held
from backoffice.extensions import db
from backoffice.models import UserProfile
from backoffice.services.images import ProcessedAvatar, process_avatar
from backoffice.services.locks import LockBusy, lock_rows
from backoffice.storage import StorageError, get_storage, new_key

log = logging.getLogger(__name__)

AVATAR_PREFIX = "avatars"
THUMB_SUFFIX = "-thumb"

STORE_FAILED = (
    "Your picture could not be saved because the file store is not available right now. "
    "Nothing was changed; please try again later."
)


class AvatarStoreError(Exception):
    """The file store (or a busy database) failed an avatar's save; nothing was kept.

    The message is for users.
    """


def thumbnail_key(key: str) -> str:
    """The thumbnail's key: ``avatars/<hex>.webp`` → ``avatars/<hex>-thumb.webp``."""
    stem, dot, ext = key.rpartition(".")
    return f"{stem}{THUMB_SUFFIX}{dot}{ext}"


def avatar_key_of(file_key: str) -> str:
    """The avatar key a stored file belongs to (itself, or the image of a thumbnail)."""
    stem, dot, ext = file_key.rpartition(".")
    return f"{stem.removesuffix(THUMB_SUFFIX)}{dot}{ext}"


def avatar_files(key: str | None) -> tuple[str, ...]:
    """Both stored files of an avatar key (none for no avatar)."""
    return (key, thumbnail_key(key)) if key else ()


def store_avatar(processed: ProcessedAvatar) -> str:
    """Save the image and thumbnail under a fresh key and return it: both files or neither."""
    storage = get_storage()
    key = new_key(AVATAR_PREFIX, processed.ext)
    files = {key: processed.image, thumbnail_key(key): processed.thumbnail}
    written: list[str] = []
    try:
        for name, data in files.items():
            storage.save(name, data, processed.content_type)
            written.append(name)
    except StorageError as exc:
        log.error("avatar not stored: %s", exc)
        _delete(written)
        raise AvatarStoreError(STORE_FAILED) from exc
    return key


def set_avatar(profile: UserProfile, data: bytes) -> str:
    """Check ``data``, store it and make it ``profile``'s avatar; the caller commits."""
    processed = process_avatar(data, max_pixels=current_app.config["AVATAR_MAX_PIXELS"])
    key = store_avatar(processed)
    replace_avatar(profile, key)
    return key


def remove_avatar(profile: UserProfile) -> None:
    """Clear ``profile``'s avatar; its files go once the caller commits."""
    replace_avatar(profile, None)


def replace_avatar(profile: UserProfile, key: str | None) -> None:
    """Point ``profile`` at stored ``key`` (or none); the caller commits.

    Once the transaction commits, the old avatar's files are deleted; if it rolls back
    (or this raises), the new one's. A database too busy to lock the profile raises
    ``AvatarStoreError``.
    """
    if key:
        _UNCOMMITTED.add(key)  # first: whatever fails below, the new files do not outlive it
    try:
        # Lock first, then read the current key: a concurrent replace waits, then sees
        # this one's key and deletes the right files. (The refresh flushes pending
        # changes, so it may fail like the commit.)
        lock_rows(UserProfile, UserProfile.id == profile.id)
        db.session.refresh(profile, ["avatar"])
    except LockBusy as exc:
        raise AvatarStoreError(str(exc)) from exc
    old = profile.avatar
    profile.avatar = key
    if old != key:
        delete_avatar_files_after_commit(old)


def delete_avatar_files(profile_or_key: UserProfile | str | None) -> bool:
    """Delete an avatar's image and thumbnail from the store, now; True if both are gone.

    Call it only after the change that stops referring to them is committed (a user
    deleted or erased, an avatar replaced). Given a profile, its loaded ``avatar`` is
    used; once the row is deleted and committed, pass the key read before instead.
    Never raises for the store: a failure is logged, and ``storage sweep`` removes the
    unreferenced files later.
    """
    key = profile_or_key.avatar if isinstance(profile_or_key, UserProfile) else profile_or_key
    return _delete(avatar_files(key))


def delete_avatar_files_after_commit(key: str | None) -> None:
    """Delete an avatar's files once the current transaction commits; never if it rolls back."""
    if key:
        _REPLACED.add(key)


def _delete(keys: list[str] | tuple[str, ...]) -> bool:
    storage = get_storage()
    ok = True
    for key in keys:
        try:
            storage.delete(key)
        except StorageError as exc:
            ok = False
            log.error("avatar file %s not deleted (storage sweep will retry): %s", key, exc)
    return ok


def _delete_all(keys: list[str]) -> None:
    for key in sorted(set(keys)):
        delete_avatar_files(key)


#: Avatars the transaction stops referring to: deleted when it commits, kept if it rolls
#: back (never a reference outliving its file; a file outliving its reference is
#: removed by ``storage sweep``).
_REPLACED = Held("avatars_replaced", committed=_delete_all)
#: Avatars stored for the transaction: deleted if it ends without committing.
_UNCOMMITTED = Held("avatars_uncommitted", dropped=_delete_all)
