"""Responses encode their text so that no stored character can turn a page into a 500."""

from __future__ import annotations

from flask import Flask
from flask import Response as FlaskResponse

from backoffice.text import utf8


class Response(FlaskResponse):
    """Flask's response, writing unpaired surrogates as U+FFFD instead of raising.

    Every rendered page passes here once, so old stored text (a JSON column may hold
    ``"\\ud800"``) shows as a replacement character rather than breaking the page.
    """

    def set_data(self, value: bytes | str) -> None:
        """Set the body; text is encoded with ``backoffice.text.utf8``."""
        super().set_data(utf8(value) if isinstance(value, str) else value)


def init_encoding(app: Flask) -> None:
    """Use the response class above for every view."""
    app.response_class = Response
