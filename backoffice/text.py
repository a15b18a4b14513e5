"""What submitted text may contain, and how any stored text becomes UTF-8 bytes.

The rules are checked at the edge (``web/input_guard.py``) on every request: no C0
control character (U+0000 to U+001F) or DEL, except tab, CR and LF in values that a
text area may send, and no unpaired surrogate (U+D800 to U+DFFF, which JSON's
``"\\ud800"`` decodes to and which no encoding can write). PostgreSQL refuses NUL in
text, CSV readers and terminals misread the others, and a surrogate breaks every
page that shows it.
"""

from __future__ import annotations

import re

# Field names, query-string values and identity-like text: no line breaks either.
_STRICT = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
# Values of form fields and JSON strings: tab, LF and CR are what a text area sends.
_LENIENT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

_NAMES = {0x00: "a NUL character", 0x09: "a tab", 0x0A: "a line break", 0x0D: "a line break"}


def refusal(text: str, *, line_breaks: bool) -> str | None:
    """Why ``text`` is refused (“contains …”), or None when it is acceptable.

    ``line_breaks`` allows tab, CR and LF (form and JSON values); keys and query-string
    values are always checked without them.
    """
    found = (_LENIENT if line_breaks else _STRICT).search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"contains an unpaired surrogate (U+{code:04X}), which is not text"
    what = _NAMES.get(code, "a control character")
    return f"contains {what} (U+{code:04X}), which is not allowed here"


def printable(text: str) -> str:
    """``text`` with refused characters written as escapes (``\\x00``), safe to show back."""
    return _STRICT.sub(lambda m: ascii(m.group())[1:-1], text)


def utf8(text: str) -> bytes:
    """``text`` encoded as UTF-8; unpaired surrogates become U+FFFD instead of raising.

    Only text stored before the edge refused them can hold surrogates (a JSON column
    keeps ``"\\ud800"`` as written); a page or an export showing it must still work.
    """
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A UTF-16 round trip joins a valid pair split over two code points and turns
        # each lone half into U+FFFD.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode()
