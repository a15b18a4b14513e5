"""The fixed hostile values, by the kind of field they are aimed at.

Fixed (not random) so that every run sends the same requests and a failure names its
value. A str is sent as UTF-8 with surrogates passed through; bytes are sent raw.
"""

from __future__ import annotations

LONG = "9" * 10_000

#: Text no field may accept: refused at the edge, never stored (issue 10, items 1 and 5).
FORBIDDEN_TEXT: dict[str, str | bytes] = {
    "nul": "a\x00b",
    "control": "a\x01\x1b\x7fb",
}

#: Sent to every field and filter whatever its kind.
COMMON: dict[str, str | bytes] = {
    **FORBIDDEN_TEXT,
    "lone-surrogate": "\ud800",  # arrives as %ED%A0%80: invalid UTF-8
    "invalid-utf8": b"\xff\xfe",
    "long": LONG,
}

NUMBERS: dict[str, str] = {
    "2^31": str(2**31),
    "2^63": str(2**63),
    "-2^63-1": str(-(2**63) - 1),
    "10^30": str(10**30),
    "nan": "NaN",
    "infinity": "Infinity",
    "-infinity": "-Infinity",
    "snan": "sNaN",
    "1e999": "1e999",
    "word": "abc",
}

DATES: dict[str, str] = {
    "month-13": "2026-13-45",
    "zero-date": "0000-00-00",
    "year-99999": "99999-01-01",
    "bad-time": "2026-02-30 25:61:61",
    "word": "abc",
    "2^63": str(2**63),
}

BETWEEN: dict[str, str] = {
    "bad-dates": "2026-13-45 to 2026-01-01",
    "words": "x to y",
    "open": "2026-01-01 to",
    "year-99999": "99999-01-01 to 99999-01-02",
}

LISTS: dict[str, str] = {
    "blank-items": "1,,NaN",
    "huge-items": f"{2**63},{10**30}",
    "nul-item": "a,\x00",
}

FLAGS: dict[str, str] = {"two": "2", "word": "abc"}

#: Ids of rows: none of these names a row exactly ("0.001" must not become 1).
IDS: dict[str, str] = {
    "word": "abc",
    "fraction": "0.001",
    "spaces": " 5 ",
    "minus-one": "-1",
    "zero": "0",
    "huge": "99999999999999999999",
    "nul": "\x00",
}


def ids_near(row_id: int) -> dict[str, str]:
    """Spellings that are not ``row_id`` but loose parsing reads as it."""
    return {"padded": f" {row_id} ", "dotted": f"0.00{row_id}", "plus": f"+{row_id}"}


PAGES: dict[str, tuple[str, str]] = {
    "page-minus-one": ("page", "-1"),
    "page-10^20": ("page", str(10**20)),
    "page-word": ("page", "abc"),
    "page_size-minus": ("page_size", "-5"),
    "page_size-huge": ("page_size", str(2**63)),
    "page_size-word": ("page_size", "NaN"),
    "sort-999": ("sort", "999"),
    "sort-minus-one": ("sort", "-1"),
    "sort-word": ("sort", "abc"),
    "sort-huge": ("sort", str(2**63)),
    "desc-word": ("desc", "abc"),
}

#: Upload names an avatar must survive.
FILENAMES: dict[str, str] = {
    "nul": "a\x00.png",
    "traversal": "../../etc/passwd.png",
    "long": "a" * 10_000 + ".png",
    "control": "\x01\x1b.png",
    "surrogate": "\ud800.png",
    "empty": "",
}


#: The one kind-specific value every filter gets even when a sibling got the full set.
WORST = {
    "int": "2^63",
    "number": "nan",
    "date": "month-13",
    "between": "bad-dates",
    "list": "huge-items",
    "flag": "word",
    "text": "long",
}


def filter_values(kind: str, *, full: bool = True) -> dict[str, str | bytes]:
    """The values aimed at a filter of ``kind`` (see ``filter_kind``).

    ``full=False`` is for a filter whose sibling on the same column and kind (``price
    greater than`` after ``price equals``) already got the full set: the same parser
    sees NUL, a lone surrogate, and the kind's worst value.
    """
    extra = {
        "int": NUMBERS,
        "number": NUMBERS,
        "date": DATES,
        "between": BETWEEN,
        "list": LISTS,
        "flag": FLAGS,
        "text": {},
    }[kind]
    values = {**COMMON, **extra}
    if full:
        return values
    return {k: values[k] for k in ("nul", "lone-surrogate", WORST[kind])}


def filter_kind(flt) -> str:
    """Classify a Flask-Admin filter by its class names (Int, Float, Date, Between, ...)."""
    names = " ".join(cls.__name__ for cls in type(flt).__mro__)
    for needle, kind in (
        ("Between", "between"),
        ("InList", "list"),
        ("Empty", "flag"),
        ("Boolean", "flag"),
        ("Date", "date"),
        ("Time", "date"),
        ("Int", "int"),
        ("Float", "number"),
        ("Decimal", "number"),
        ("Numeric", "number"),
    ):
        if needle in names:
            return kind
    return "text"
