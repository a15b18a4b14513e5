"""The hostile suite is wired to the URL map: every endpoint gets hostile requests.

The modules build their requests from the app (the URL map, the Admin's views), so a
new endpoint is covered without anyone adding it. This checks that claim: the URLs
the modules plan are routed through the real URL map, and every endpoint but the
justified skips must be reached by at least one of them.
"""

from __future__ import annotations

from urllib.parse import unquote

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.hostile import test_admin_lists, test_api, test_forms, test_ids, test_json
from tests.hostile.probe import route_app


def planned_requests() -> list[tuple[str, str]]:
    """``(method, path)`` of the requests the hostile modules make (ids as they send them)."""
    planned = []
    for param in test_ids.walked_rules():
        rule, method = param.values
        for value in test_ids.PATH_VALUES.values():
            if isinstance(value, str):
                planned.append((method, unquote(test_ids.fill_path(rule, value))))
    planned += [("POST", url) for url in test_json.post_rules()]
    planned += [("POST", url) for _, url in test_json.SIGN_IN]
    for endpoint in test_admin_lists.VIEWS:
        base = f"/admin/{endpoint}"
        planned += [
            ("GET", f"{base}/"),
            ("GET", f"{base}/export/csv/"),
            ("POST", f"{base}/bulk/"),
            ("POST", f"{base}/bulk/apply"),
            ("GET", f"{base}/ajax/lookup/"),
            ("POST", f"{base}/new/"),
            ("POST", f"{base}/edit/"),
        ]
    planned += [("POST", "/account/delete"), ("POST", "/account/avatar/")]
    planned += test_api.planned()
    assert test_forms.CREATE_SAMPLES  # the forms module is part of the plan
    return planned


def reached_endpoints() -> set[str]:
    """Endpoints the planned requests are routed to."""
    adapter = route_app().url_map.bind("localhost")
    reached = set()
    for method, path in planned_requests():
        try:
            endpoint, _ = adapter.match(path, method=method)
        except RequestRedirect:
            continue
        except HTTPException:  # 404/405: this value does not route, another one may
            continue
        reached.add(endpoint)
    return reached


def test_every_endpoint_is_exercised():
    """Every endpoint of the URL map, minus the justified skips, gets hostile requests."""
    endpoints = {rule.endpoint for rule in route_app().url_map.iter_rules()}
    missing = endpoints - set(test_ids.SKIPPED) - reached_endpoints()
    assert not missing, f"endpoints no hostile request reaches: {sorted(missing)}"


def test_skip_list_names_real_endpoints():
    """A skip that no longer matches an endpoint is stale and hides nothing: remove it."""
    endpoints = {rule.endpoint for rule in route_app().url_map.iter_rules()}
    assert set(test_ids.SKIPPED) <= endpoints


def test_every_admin_list_and_filter_is_planned():
    """Each model view of the Admin, and each of its filters, has hostile cases."""
    planned = {(p.values[0], p.values[1]) for p in test_admin_lists.filter_cases()}
    for view in test_admin_lists.model_views():
        assert view.endpoint in test_admin_lists.VIEWS
        assert {(view.endpoint, name) for name in view._filter_args} <= planned
