"""Profiles: the fields a user's profile holds, their rules, and the one way to change them.

The account page and the admin's profile form both build their fields' validators from
``validators(name)`` and save through ``update_profile``, so a rule is written once and
every change is audited the same way.
"""

from __future__ import annotations

from wtforms.validators import Email, Length, Optional

from backoffice.models import UserProfile
from backoffice.services import audit
from backoffice.services.avatars import replace_avatar
from backoffice.services.changes import compare, snapshot
from backoffice.validation import phone, website, zipcode

#: What staff edit in the admin's profile form, in form order (the avatar has its own field).
ADMIN_FIELDS = ("full_name", "bio", "address", "zipcode", "phone", "contact_email", "website")
#: What the owner edits on the account page (all but the contact address).
OWN_FIELDS = tuple(name for name in ADMIN_FIELDS if name != "contact_email")
#: Every field holding personal data (erasing an account clears them all).
PERSONAL_FIELDS = (*ADMIN_FIELDS, "avatar")

_RULES = {
    "full_name": [Length(max=120)],
    "bio": [Length(max=2000)],
    "address": [Length(max=255)],
    "zipcode": [zipcode],
    "phone": [phone],
    "contact_email": [Email(), Length(max=255)],
    "website": [website, Length(max=255)],
}


def validators(name: str) -> list:
    """The WTForms validators of profile field ``name``: every field may be left blank."""
    return [Optional(), *_RULES[name]]


def update_profile(actor, profile: UserProfile, values: dict) -> dict:
    """Set ``values`` (field → validated value) on ``profile`` and audit what changed.

    ``values["avatar"]``, when present, is an already stored avatar key (or None to
    remove it): see ``avatars.replace_avatar``. Returns the audit's before → after of
    the fields that changed (empty: nothing did, and nothing is recorded). The caller
    commits.
    """
    fields = dict(values)
    unknown = set(fields) - {*ADMIN_FIELDS, "avatar"}
    if unknown:
        raise ValueError(f"not a profile field: {', '.join(sorted(unknown))}")
    before = snapshot(profile)
    if "avatar" in fields:
        replace_avatar(profile, fields.pop("avatar"))
    for name, value in fields.items():
        setattr(profile, name, value)
    changes = compare(before, snapshot(profile))
    if changes:
        audit.record(
            "update",
            model="UserProfile",
            object_id=profile.id,
            actor=actor,
            changes=changes,
            summary=f"Updated UserProfile {profile}: {', '.join(changes)}",
        )
    return changes
