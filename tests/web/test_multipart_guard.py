"""The input guard reads a multipart body as the view will: a large file is no large field.

Fed whole to Werkzeug's decoder, a body over ``max_form_memory_size`` (500 kB) was
refused as too large whatever its parts; fed in chunks, only a text field over it is
(as Werkzeug's own parser does in the view).
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from backoffice.web.input_checks import multipart_problems
from tests.support.rawhttp import multipart


def problems(fields, files):
    body, content_type = multipart(fields, files)
    boundary = content_type.split("boundary=")[1].encode()
    return multipart_problems(body, boundary, max_parts=1000, max_field_size=500_000)


def test_a_file_over_the_field_limit_is_read_and_checked():
    assert problems({"kind": "product"}, {"file": ("big.csv", b"x" * 3_000_000)}) == []
    found = problems({"kind": "a\x00b"}, {"file": ("big.csv", b"x" * 3_000_000)})
    assert found == [("kind", "contains a NUL character (U+0000), which is not allowed here")]


def test_a_text_field_over_the_limit_is_too_large():
    with pytest.raises(RequestEntityTooLarge):
        problems({"note": "x" * 600_000}, {})
    assert problems({"note": "x" * 400_000}, {}) == []
