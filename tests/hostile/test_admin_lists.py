"""Every admin list, from the Admin's own views: filters, search, sort, pages, export, bulk.

For each filter of each list (Flask-Admin's ``flt0_<name>`` URLs) and each hostile value
of the filter's kind, the list, its CSV export and both bulk steps (``scope=all``) are
requested. None may answer 5xx or log an ERROR; and whenever the plain export refuses
the query (4xx), a bulk action on "all matching" must refuse it too and change nothing:
a filter that cannot be applied must never widen an action to the whole table.
"""

from __future__ import annotations

import pytest

from tests.hostile.probe import (
    changed_tables,
    label,
    lists_still_render,
    model_views,
    query_string,
    view_for,
)
from tests.hostile.values import COMMON, IDS, NUMBERS, PAGES, filter_kind, filter_values, ids_near

VIEWS = [view.endpoint for view in model_views()]


def filter_cases() -> list:
    """``(endpoint, filter name, full)`` for every filter of every list.

    ``full`` is True for the first filter of each column and kind: its siblings share
    the parser and get the short set (see ``values.filter_values``).
    """
    cases, seen = [], set()
    for view in model_views():
        for name, (_, flt) in view._filter_args.items():
            group = (view.endpoint, str(flt.name), filter_kind(flt))
            cases.append(
                pytest.param(view.endpoint, name, group not in seen, id=f"{view.endpoint}-{name}")
            )
            seen.add(group)
    return cases


def changing_action(view) -> str:
    """The first bulk action that changes rows without parameters (else the export)."""
    for action in view.get_bulk_actions():
        if action.confirm and action.form is None and action.name != "delete":
            return action.name
    return "export_csv"


def check_query(probe, endpoint: str, pairs: list, failures: list, *, apply=False) -> None:
    """List, export and bulk confirm of one query; failures appended.

    The bulk apply (a changing action) runs when the export refused the query (it must
    refuse too, changing nothing) or when ``apply`` asks (its audit entry stores the query).
    """
    view = view_for(probe.app, endpoint)
    query = query_string(pairs)
    base = f"/admin/{endpoint}"
    for url in (f"{base}/{query}", f"{base}/export/csv/{query}"):
        status, problem = probe.send("admin", "GET", url)
        if problem:
            failures.append(f"{label('GET', url)} -> {problem}")
    export_refused = status is not None and 400 <= status < 500
    token = probe.token("admin")
    steps = [("bulk/", "export_csv")]
    if export_refused or apply:
        steps.append(("bulk/apply", changing_action(view)))
    for step, action in steps:
        url = f"{base}/{step}{query}"
        before = probe.snapshot() if export_refused else None
        status, problem = probe.send(
            "admin",
            "POST",
            url,
            data={"csrf_token": token, "action": action, "scope": "all"},
        )
        what = f"{label('POST', url)} action={action} scope=all"
        if problem:
            failures.append(f"{what} -> {problem}")
        elif export_refused and not (status and 400 <= status < 500):
            failures.append(f"{what} -> {status}: export refused this query, bulk did not")
        if before is not None and (changed := changed_tables(before, probe.snapshot())):
            failures.append(f"{what} -> changed {changed} with a refused filter")


@pytest.mark.parametrize("endpoint", VIEWS)
def test_bulk_row_ids(probe, endpoint):
    """Ticked row ids that are not exact integers are refused and act on nothing.

    First in the module: the victims are still in their seeded state, so acting on
    one shows in the snapshot.
    """
    view = view_for(probe.app, endpoint)
    victim = probe.max_id(view.model)
    token = probe.token("admin")  # signs in first: the sign-in itself changes the user row
    failures: list[str] = []
    for value in {**IDS, **ids_near(victim), "mixed": "1,2"}.values():
        for step, action in (("bulk/", "export_csv"), ("bulk/apply", changing_action(view))):
            url = f"/admin/{endpoint}/{step}"
            before = probe.snapshot()
            data = {"csrf_token": token, "action": action, "rowid": value}
            status, problem = probe.send("admin", "POST", url, data=data)
            what = f"{label('POST', url)} action={action} rowid={value!r}"
            if problem:
                failures.append(f"{what} -> {problem}")
            if changed := changed_tables(before, probe.snapshot()):
                failures.append(f"{what} -> {status}: changed {changed}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("endpoint", "name", "full"), filter_cases())
def test_filter_values(probe, endpoint, name, full):
    """Each hostile value of the filter's kind: no 5xx anywhere, no widened bulk action."""
    view = view_for(probe.app, endpoint)
    kind = filter_kind(view._filter_args[name][1])
    failures: list[str] = []
    for value in filter_values(kind, full=full).values():
        check_query(probe, endpoint, [(f"flt0_{name}", value)], failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", VIEWS)
def test_search_sort_pages_and_unknown_filters(probe, endpoint):
    """Search with hostile text, unknown filter names, bad sort columns and pages."""
    failures: list[str] = []
    queries = [[("search", value)] for value in {**COMMON, **NUMBERS}.values()]
    queries += [[("flt0_nosuch", "1")], [("flt0_", "1")], [("flt99999999999999999999_x", "1")]]
    queries += [[pair] for pair in PAGES.values()]
    for pairs in queries:
        check_query(probe, endpoint, pairs, failures, apply=True)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", VIEWS)
def test_lookups(probe, endpoint):
    """Relation lookups (Select2) with hostile names, search text and offsets."""
    view = view_for(probe.app, endpoint)
    names = [*view._form_ajax_refs, "nosuch"]
    failures: list[str] = []
    for name in names:
        for pairs in (
            *([("name", name), ("query", v)] for v in COMMON.values()),
            *([("name", name), ("query", "a"), ("offset", v)] for v in NUMBERS.values()),
            [("name", name), ("query", "a"), ("offset", "-1")],
        ):
            url = f"/admin/{endpoint}/ajax/lookup/{query_string(pairs)}"
            _, problem = probe.send("admin", "GET", url)
            if problem:
                failures.append(f"{label('GET', url)} -> {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", VIEWS)
def test_lists_still_render_afterwards(probe, endpoint):
    """After the hostile queries above (which write audit entries), every list and export works."""
    failures = lists_still_render(probe, endpoint)
    assert not failures, "\n".join(failures)
