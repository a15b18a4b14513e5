"""Every URL of the app's URL map with hostile ids, as the admin and as an anonymous visitor.

Path converters get hostile values in their place; every rule also gets ``?id=`` (how
Flask-Admin's details, edit and delete take their row) and, on POST, ``id`` and
``rowid`` in a form with a valid CSRF token. Besides "no 5xx, no ERROR in the log", a
POST with an id that is not exactly a row's id must change no row: ``0.001`` must not
become row 1, nor `` 5 `` row 5. Flask-Admin's model views also get spellings of their
highest ("victim") row's id.
"""

from __future__ import annotations

import pytest

from tests.hostile.probe import (
    changed_tables,
    encode,
    form_body,
    label,
    model_views,
    query_string,
    route_app,
)
from tests.hostile.values import IDS, ids_near

#: Endpoints not walked here, and why.
SKIPPED = {
    "static": "Flask's static files: no code of ours, no id",
    "admin.static": "Flask-Admin's bundled assets",
    "security.static": "Flask-Security's bundled assets",
}
#: Hostile path segments for converters (the int converter only lets digits through).
PATH_VALUES = {
    **IDS,
    "traversal": "../../etc/passwd",
    "dot-segment": "..",
    "surrogate": "\ud800",
    "invalid-utf8": b"\xff",
    "long": "a" * 10_000,
    # Routes whose converter bounds the id to its column reach the view only with this.
    "largest-int4": str(2**31 - 1),
}


def walked_rules() -> list:
    """``(endpoint, rule, method)`` for every routed method of every rule not skipped."""
    cases = []
    for rule in sorted(route_app().url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIPPED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append(pytest.param(rule.rule, method, id=f"{method} {rule.endpoint}"))
    return cases


def fill_path(rule: str, value) -> str:
    """The rule's path with every ``<converter:name>`` replaced by ``value``."""
    parts, out = rule.split("<"), []
    out.append(parts[0])
    for part in parts[1:]:
        _, rest = part.split(">", 1)
        out.append(encode(value) + rest)
    return "".join(out)


def victims(probe) -> dict[str, int]:
    """Each model view's URL prefix -> its highest row id."""
    return {f"/admin/{v.endpoint}/": probe.max_id(v.model) for v in model_views(probe.app)}


def walk(probe, who: str, rule: str, method: str) -> list[str]:
    """Send every hostile id to one rule and method; the failure lines."""
    values = dict(PATH_VALUES if "<" in rule else IDS)
    for prefix, victim in victims(probe).items():
        if rule.startswith(prefix):
            values.update(ids_near(victim))
    failures = []
    for value in values.values():
        url = fill_path(rule, value) + query_string([("id", value), ("page", value)])
        if method == "GET":
            _, problem = probe.send(who, "GET", url)
            if problem:
                failures.append(f"{label('GET', url)} [{who}] -> {problem}")
            continue
        pairs = [("csrf_token", probe.token(who)), ("id", value), ("rowid", value)]
        before = probe.snapshot()
        status, problem = probe.send(
            who,
            method,
            url,
            data=form_body(pairs),
            content_type="application/x-www-form-urlencoded",
        )
        what = f"{label(method, url)} id={value!r} [{who}]"
        if problem:
            failures.append(f"{what} -> {problem}")
        if changed := changed_tables(before, probe.snapshot()):
            failures.append(f"{what} -> {status}: changed {changed}")
        probe.still_signed_in(who)
    return failures


@pytest.mark.parametrize(("rule", "method"), walked_rules())
def test_hostile_ids_as_admin(probe, rule, method):
    """The admin (who may do most): no 5xx, and a hostile id acts on no row."""
    failures = walk(probe, "admin", rule, method)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("rule", "method"), walked_rules())
def test_hostile_ids_anonymous(probe, rule, method):
    """An anonymous visitor: public pages and the sign-in redirects hold as well."""
    failures = walk(probe, "anon", rule, method)
    assert not failures, "\n".join(failures)
