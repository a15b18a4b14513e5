"""Reading a rendered form's fields and current values, as a browser would submit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Input types whose value a person types (hostile text must never be stored from them).
TYPED = {"text", "email", "url", "tel", "number", "password", "search", "textarea", ""}


@dataclass
class Field:
    """One named control: its kind ("text", "checkbox", "select", "file", ...) and value."""

    name: str
    kind: str
    value: str | None = None


@dataclass
class FormParser(HTMLParser):
    """Collects every named input, select and textarea of a page (first occurrence wins)."""

    fields: dict = field(default_factory=dict)
    _select: str | None = None
    _textarea: str | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        """Note inputs, selects (and their selected option) and textareas."""
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            checked = kind not in ("checkbox", "radio") or "checked" in a
            value = a.get("value", "y" if kind == "checkbox" else "") if checked else None
            if name not in self.fields or value is not None:
                self.fields[name] = Field(name, kind, value)
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, Field(name, "select"))
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select].value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = Field(name, "textarea", "")

    def handle_endtag(self, tag):
        """Close a select or textarea."""
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        """A textarea's text is its value."""
        if self._textarea:
            self.fields[self._textarea].value += data


def form_fields(html: str) -> dict[str, Field]:
    """Every field of the page, without the CSRF token and Flask-Admin's ``_`` buttons."""
    parser = FormParser()
    parser.feed(html)
    return {
        name: f
        for name, f in parser.fields.items()
        if name != "csrf_token" and not name.startswith("_")
    }


def submitted(fields: dict[str, Field]) -> dict[str, str]:
    """The values a browser would send for these fields (unticked boxes send nothing)."""
    return {n: f.value for n, f in fields.items() if f.value is not None and f.kind != "file"}
