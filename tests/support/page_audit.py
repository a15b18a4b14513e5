"""Read a rendered page the way an accessibility checker would, without a browser.

Finds what a screen-reader or keyboard user trips over in the server's HTML: a missing
or empty <title>, form fields nobody labelled, images without alt text, pages with no
or several top-level headings. (Widgets that scripts build later are checked by the
browser tests, tests/e2e/browser.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Field:
    """A form control and what could name it."""

    tag: str
    attrs: dict
    inside_label: bool

    def describe(self) -> str:
        """``input name=email``: enough to find it in the page."""
        return f"{self.tag} name={self.attrs.get('name')} id={self.attrs.get('id')}"


class PageAudit(HTMLParser):
    """Collects titles, labels, fields, images and headings while parsing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.fields: list[Field] = []
        self.label_targets: set[str] = set()
        self.images: list[dict] = []
        self.h1_count = 0
        self._in_title = False
        self._label_depth = 0
        self._svg_depth = 0  # SVG has <title> elements of its own

    def handle_starttag(self, tag, attrs):
        """Note the elements the checks need."""
        attrs = dict(attrs)
        if tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and not self._svg_depth:
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_targets.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if (attrs.get("type") or "").lower() not in UNLABELLED_TYPES:
                self.fields.append(Field(tag, attrs, self._label_depth > 0))
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "h1":
            self.h1_count += 1

    def handle_endtag(self, tag):
        """Close titles and labels."""
        if tag == "svg":
            self._svg_depth = max(0, self._svg_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)

    def handle_data(self, data):
        """Collect the title's text."""
        if self._in_title:
            self.title += data

    def problems(self) -> list[str]:
        """Everything wrong with the page, as readable lines (empty when fine)."""
        found = []
        if not self.title.strip():
            found.append("no <title> text")
        for control in self.fields:
            named = (
                control.inside_label
                or control.attrs.get("id") in self.label_targets
                or (control.attrs.get("aria-label") or "").strip()
                or control.attrs.get("aria-labelledby")
                or (control.attrs.get("title") or "").strip()
            )
            if not named:
                found.append(f"unlabelled {control.describe()}")
        found.extend(
            f"img without alt: {img.get('src')}" for img in self.images if "alt" not in img
        )
        if self.h1_count != 1:
            found.append(f"{self.h1_count} <h1> elements")
        return found


def audit(html: str) -> PageAudit:
    """Parse ``html`` and return the audit (``.problems()``, ``.title``)."""
    parser = PageAudit()
    parser.feed(html)
    parser.close()
    return parser
