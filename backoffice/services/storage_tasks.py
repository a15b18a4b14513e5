"""Operator tasks on the file store: copy avatars to another backend, sweep leftovers.

Both work from the database's references (``user_profiles.avatar``), read in batches,
and from the store's own listing; neither changes a row. The CLI (``storage migrate``,
``storage sweep``) prints their reports; run as jobs (``backoffice.jobs.storage``), they
report progress after each batch and a summary at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import UserProfile
from backoffice.services.avatars import AVATAR_PREFIX, avatar_files, avatar_key_of
from backoffice.storage import KeyNotFound, Storage, StorageError

BATCH = 500
CONTENT_TYPE = "image/webp"

#: Called with the size of each batch done; may raise to stop the task (a cancelled job).
Progress = Callable[[int], None] | None


def referenced_avatar_keys(batch_size: int = BATCH) -> Iterator[list[str]]:
    """Every avatar key a profile refers to, in key order, in batches of ``batch_size``.

    Each batch is a query of its own (keyset: the keys after the last one seen), so a
    caller may commit between batches (a job records its progress) without cutting a
    server-side cursor.
    """
    last = None
    while True:
        query = select(UserProfile.avatar).where(UserProfile.avatar.is_not(None))
        if last is not None:
            query = query.where(UserProfile.avatar > last)
        batch = list(db.session.scalars(query.order_by(UserProfile.avatar).limit(batch_size)))
        if not batch:
            return
        yield batch
        last = batch[-1]


def count_referenced_avatars() -> int:
    """How many avatar keys profiles refer to (the total of ``copy_avatars``' progress)."""
    query = select(func.count()).where(UserProfile.avatar.is_not(None))
    return db.session.scalar(query.select_from(UserProfile))


def _referenced(keys: Iterable[str]) -> set[str]:
    """Which of these avatar keys some profile refers to (one query)."""
    keys = list(keys)
    query = select(UserProfile.avatar).where(UserProfile.avatar.in_(keys))
    return set(db.session.scalars(query)) if keys else set()


@dataclass
class CopyReport:
    """What ``copy_avatars`` did, file by file."""

    copied: int = 0
    already_there: int = 0
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every referenced file is now verified on the target."""
        return not self.missing and not self.failed


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_back(storage: Storage, name: str) -> str | None:
    """The digest of what ``storage`` holds under ``name``, or None if nothing."""
    try:
        return _digest(storage.open(name))
    except KeyNotFound:
        return None


def _copy_one(source: Storage, target: Storage, name: str) -> bool:
    """Copy one file unless an identical copy is there; True if copied. Raises StorageError."""
    data = source.open(name)
    digest = _digest(data)
    if _read_back(target, name) == digest:
        return False  # a re-run after a partial failure: already copied and intact
    target.save(name, data, CONTENT_TYPE)
    if _read_back(target, name) != digest:
        raise StorageError("the copy read back differs from the original")
    return True


def copy_avatars(
    source: Storage, target: Storage, *, progress: Progress = None, batch_size: int = BATCH
) -> CopyReport:
    """Copy every referenced avatar file (image and thumbnail), verifying each by reading back.

    ``progress(n)`` is called after each batch of ``n`` avatars (a job records it there,
    and stops there once cancelled).
    """
    report = CopyReport()
    for batch in referenced_avatar_keys(batch_size):
        for key in batch:
            for name in avatar_files(key):
                try:
                    copied = _copy_one(source, target, name)
                except KeyNotFound:  # only source.open raises it
                    report.missing.append(name)
                except StorageError as exc:
                    report.failed.append(f"{name}: {exc}")
                else:
                    report.copied += copied
                    report.already_there += not copied
        if progress is not None:
            progress(len(batch))
    return report


@dataclass
class SweepReport:
    """What ``sweep`` removed (or would remove, in a dry run)."""

    orphans: list[str] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _orphans(storage: Storage, progress: Progress, batch_size: int) -> Iterator[str]:
    """Stored avatar files (images and thumbnails) whose avatar no profile refers to."""
    files = (k for k in storage.iter_keys() if k.startswith(f"{AVATAR_PREFIX}/"))
    for batch in _batches(files, batch_size):
        referenced = _referenced({avatar_key_of(k) for k in batch})
        yield from (k for k in batch if avatar_key_of(k) not in referenced)
        if progress is not None:
            progress(len(batch))


def sweep(
    storage: Storage,
    *,
    now: dt.datetime,
    min_age: dt.timedelta,
    dry_run: bool = False,
    progress: Progress = None,
    batch_size: int = BATCH,
) -> SweepReport:
    """Delete unreferenced avatar files and leftover temporary files older than ``min_age``.

    The age keeps a sweep from deleting the files of an upload in progress: they are
    written before the profile row that refers to them is committed. ``progress(n)``
    is called after each batch of ``n`` stored avatar files examined.
    """
    cutoff = now - min_age
    report = SweepReport()
    for name in _orphans(storage, progress, batch_size):
        try:
            if storage.modified(name) > cutoff:
                continue  # probably an upload in progress
            if not dry_run:
                storage.delete(name)
        except KeyNotFound:
            continue  # removed meanwhile
        except StorageError as exc:
            report.failed.append(f"{name}: {exc}")
            continue
        report.orphans.append(name)
    for name, modified in storage.iter_temporary():
        if modified > cutoff:
            continue  # a save in progress
        try:
            if not dry_run:
                storage.delete_temporary(name)
        except StorageError as exc:
            report.failed.append(f"{name}: {exc}")
            continue
        report.temporary.append(name)
    return report
