"""The API's plumbing: the OpenAPI document, the docs page, problem+json for every refusal."""

from __future__ import annotations

import re

PROBLEM = "application/problem+json"


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["info"] == {"title": "Backoffice API", "version": "v1"}


def test_docs_page_loads_vendored_swagger_ui_with_the_csp_nonce(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert "//" not in "".join(re.findall(r'src="([^"]+)"', html))  # no CDN, our origin
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset = client.get(path)
        assert asset.status_code == 200, path
        asset.close()
    assert "/api/openapi.json" in html


def test_unknown_api_address_is_a_problem(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["type"] == "about:blank"


def test_wrong_method_is_a_problem_with_allow(client):
    response = client.delete("/api/openapi.json")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_input_guard_refusals_are_problems_naming_the_field(client):
    response = client.get("/api/v1/products?category=a%00b")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "category" in response.get_json()["errors"]

    response = client.post("/api/v1/orders", data='{"a": NaN}', content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_the_spec_documents_errors_as_problems_and_each_operations_auth(client):
    spec = client.get("/api/openapi.json").get_json()
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == [PROBLEM], name
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # shared by the path's operations
                continue
            assert operation.get("security"), f"{method} {path}"
            assert "default" in operation["responses"], f"{method} {path}"
            if not path.startswith("/api/v1/me"):
                assert operation["x-scope"], f"{method} {path}"
                assert {"401", "403", "429"} <= set(operation["responses"]), f"{method} {path}"
