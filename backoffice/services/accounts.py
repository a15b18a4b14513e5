"""Account administration: suspend, activate, unlock, grant and revoke roles.

Every path (admin form, status toggle, bulk actions, row delete, CLI) goes through
these functions, so the rules hold whichever way a change arrives:

- nobody suspends, demotes or deletes their own account here;
- the last active admin is never suspended, demoted or deleted;
- only admins (``users.write``) change accounts and roles; staff may unlock
  (``users.unlock``) but never touch an admin's account.

Each operation takes a SELECT of user ids (one user or thousands), works set-based in
SQL and returns what changed and what was skipped, by reason. ``actor`` is the signed-in
user, or None for the command line (which may do anything the rules allow). Nothing
here commits.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Select, and_, delete, insert, literal, or_, select, update

from backoffice import clock
from backoffice.extensions import db
from backoffice.models import Role, User
from backoffice.models.users import roles_users, rotated_uniquifier_sql
from backoffice.permissions import ADMIN, can
from backoffice.services import sessions
from backoffice.services.counts import count_rows
from backoffice.services.locks import LockBusy, lock_admin_set
from backoffice.services.outcome import Outcome

SELF = "your own account"
LAST_ADMIN = "last active admin"
ADMIN_ACCOUNT = "admin account"
ERASED = "erased account"

#: Rule skips, as a sentence for one-user paths (form, toggle, CLI).
RULE_MESSAGES = {
    SELF: "You cannot do that to your own account.",
    LAST_ADMIN: "That is the last active admin; there must always be at least one.",
    ADMIN_ACCOUNT: "Only admins can change an admin's account.",
    ERASED: "That account has been erased.",
}


class AccountError(Exception):
    """A change the rules forbid; nothing was changed."""


def _broken_rule(outcome: Outcome) -> str | None:
    """The first rule (not a mere "already so") that made a row of ``outcome`` be skipped."""
    return next((r for r in outcome.skipped if r in RULE_MESSAGES), None)


def ids_of(*user_ids: int) -> Select:
    """A SELECT of the given user ids, for the one-user paths."""
    return select(User.id).where(User.id.in_(user_ids))


def has_role(name: str):
    """SQL condition: the user holds role ``name`` (EXISTS, no join)."""
    return User.roles.any(Role.name == name)


def require(actor, permission: str) -> None:
    """Refuse (AccountError) an actor without ``permission``; the command line may do all."""
    if actor is not None and not can(actor, permission):
        raise AccountError("You do not have permission to change accounts that way.")


def lock_admins() -> None:
    """``locks.lock_admin_set``, with a busy database refused like a broken rule."""
    try:
        lock_admin_set()
    except LockBusy as exc:
        raise AccountError(str(exc)) from None


def _count(*conditions) -> int:
    return count_rows(select(User.id).where(*conditions))


def blocked(actor, targets: Select, *, drops_admin: bool, self_rule: bool = True) -> dict[int, str]:
    """Which target ids the rules protect from this change, with the reason for each.

    ``drops_admin``: the change takes admins out of the active-admin set (suspend,
    revoke admin, erase). The admin set is then locked (``lock_admins``) before
    anything is read, for the rest of the transaction, so two admins removing each other
    at the same moment cannot both succeed: the second waits and sees the first's change.
    The result is small by construction (the actor and admins only).
    """
    if drops_admin:
        lock_admins()
    in_targets = User.id.in_(targets)
    reasons: dict[int, str] = {}
    if actor is not None and self_rule and _count(in_targets, User.id == actor.id):
        reasons[actor.id] = SELF
    if actor is not None and not can(actor, "users.write"):
        for uid in db.session.scalars(select(User.id).where(in_targets, has_role(ADMIN))):
            reasons.setdefault(uid, ADMIN_ACCOUNT)
    if drops_admin:
        active_admins = set(
            db.session.scalars(select(User.id).where(User.active.is_(True), has_role(ADMIN)))
        )
        if actor is not None and ADMIN in actor.role_names and actor.id not in active_admins:
            raise AccountError("Your own account is no longer an active admin.")
        hit = set(
            db.session.scalars(select(User.id).where(in_targets, User.id.in_(active_admins)))
        ) - set(reasons)
        if hit and not active_admins - hit:
            reasons[min(hit)] = LAST_ADMIN
    return reasons


def eligible(targets: Select, reasons: dict[int, str], outcome: Outcome):
    """Targets not protected by a rule; the protected ones are counted as skipped."""
    for reason, n in Counter(reasons.values()).items():
        outcome.skip(reason, n)
    return and_(User.id.in_(targets), User.id.not_in(list(reasons)))


def suspend(actor, targets: Select) -> Outcome:
    """Deactivate accounts and end their sessions and remember-me cookies (new uniquifier)."""
    require(actor, "users.write")
    outcome = Outcome()
    rows = eligible(targets, blocked(actor, targets, drops_admin=True), outcome)
    outcome.skip("already suspended", _count(rows, User.active.is_(False)))
    suspending = and_(rows, User.active.is_(True))
    sessions.revoke_users(select(User.id).where(suspending), clock.now())
    outcome.changed = _update(suspending, active=False, fs_uniquifier=rotated_uniquifier_sql())
    return outcome


def activate(actor, targets: Select) -> Outcome:
    """Reactivate suspended accounts (erased ones stay closed)."""
    require(actor, "users.write")
    outcome = Outcome()
    rows = eligible(targets, blocked(actor, targets, drops_admin=False, self_rule=False), outcome)
    outcome.skip(ERASED, _count(rows, User.erased_at.is_not(None)))
    rows = and_(rows, User.erased_at.is_(None))
    outcome.skip("already active", _count(rows, User.active.is_(True)))
    outcome.changed = _update(and_(rows, User.active.is_(False)), active=True)
    return outcome


def unlock(actor, targets: Select) -> Outcome:
    """Clear failed logins and any lock (staff may, except on admin accounts)."""
    require(actor, "users.unlock")
    outcome = Outcome()
    rows = eligible(targets, blocked(actor, targets, drops_admin=False, self_rule=False), outcome)
    locked = or_(User.failed_logins > 0, User.locked_until.is_not(None))
    outcome.skip("not locked", _count(rows, ~locked))
    outcome.changed = _update(and_(rows, locked), failed_logins=0, locked_until=None)
    return outcome


def grant_role(actor, targets: Select, role_name: str) -> Outcome:
    """Give ``role_name`` to every target that lacks it (INSERT ... SELECT)."""
    require(actor, "users.write")
    role = _role(role_name)
    outcome = Outcome()
    rows = eligible(targets, blocked(actor, targets, drops_admin=False, self_rule=False), outcome)
    outcome.skip(ERASED, _count(rows, User.erased_at.is_not(None)))
    rows = and_(rows, User.erased_at.is_(None))
    outcome.skip(f"already {role_name}", _count(rows, has_role(role_name)))
    # Counted first: drivers need not report a row count for INSERT ... SELECT.
    outcome.changed = _count(rows, ~has_role(role_name))
    db.session.execute(
        insert(roles_users).from_select(
            ["user_id", "role_id"],
            select(User.id, literal(role.id)).where(rows, ~has_role(role_name)),
        )
    )
    return outcome


def revoke_role(actor, targets: Select, role_name: str) -> Outcome:
    """Take ``role_name`` away; nobody demotes themselves, and one active admin always stays."""
    require(actor, "users.write")
    role = _role(role_name)
    outcome = Outcome()
    reasons = blocked(actor, targets, drops_admin=role_name == ADMIN)
    rows = eligible(targets, reasons, outcome)
    outcome.skip(f"not {role_name}", _count(rows, ~has_role(role_name)))
    outcome.changed = db.session.execute(
        delete(roles_users).where(
            roles_users.c.role_id == role.id,
            roles_users.c.user_id.in_(select(User.id).where(rows)),
        )
    ).rowcount
    return outcome


def _role(name: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.name == name))
    if role is None:
        raise AccountError(f"There is no role called {name!r}.")
    return role


def _update(condition, **values) -> int:
    return db.session.execute(
        update(User).where(condition).values(**values).execution_options(synchronize_session=False)
    ).rowcount


def for_one(operation, actor, user_id: int, *args) -> Outcome:
    """Run ``operation`` on one user; a broken rule raises AccountError with a sentence."""
    outcome = operation(actor, ids_of(user_id), *args)
    rule = _broken_rule(outcome)
    if rule:
        raise AccountError(RULE_MESSAGES[rule])
    return outcome


def check_change(actor, user: User, *, active: bool, roles: set[str]) -> dict[str, str]:
    """Rule errors (field → message) for an edit form setting ``active`` and ``roles``.

    Unless the user stays an active admin, the admin set is locked first and the user's
    status and roles are read again: ``user`` was loaded before any wait for the lock,
    and the form's save must start from what is in the database now.
    """
    if not (active and ADMIN in roles):
        try:
            lock_admins()
        except AccountError as exc:
            return {"active": str(exc)}
        db.session.refresh(user, ["active", "erased_at", "roles"])
    current = set(user.role_names)
    if user.erased_at is not None and (active or roles):
        return {"active": RULE_MESSAGES[ERASED]}
    if user.active and not active:
        error = _rule_error(actor, user, "active", drops_admin=ADMIN in current)
        if error:
            return error
    removed = current - roles
    if removed:
        return _rule_error(actor, user, "roles", drops_admin=ADMIN in removed and user.active)
    return {}


def _rule_error(actor, user: User, field_name: str, *, drops_admin: bool) -> dict[str, str]:
    try:
        reasons = blocked(actor, ids_of(user.id), drops_admin=drops_admin)
    except AccountError as exc:  # the actor lost admin meanwhile, or the database is busy
        return {field_name: str(exc)}
    return {field_name: RULE_MESSAGES[reasons[user.id]]} if reasons else {}
