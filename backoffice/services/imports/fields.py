"""What each import fills in, and the file's headers matched to those fields.

Three imports: ``product`` (key: SKU), ``book`` (key: ISBN-13; an ISBN-10 is converted
by the admin form's ISBN rule) and ``stock`` (a key, SKU or ISBN, and a stock figure).
A mapping is ``{field: header}``; ``auto_mapping`` proposes one by comparing headers and
field names with case, spaces and punctuation ignored, through the synonyms below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backoffice.models import Book, Product


@dataclass(frozen=True)
class Target:
    """One importable model: its key field and the fields a file may fill in."""

    model: type
    #: The admin form of this model (``rows.register_row_forms``) is found by this name.
    form: str
    key: str
    fields: tuple[str, ...]
    #: Values a new row takes for fields the file does not give (the model's defaults).
    defaults: dict


PRODUCT = Target(
    Product, "product", "sku",
    ("sku", "name", "category", "description", "price", "stock", "is_available"),
    {"category": "general", "stock": "0", "is_available": "yes"},
)  # fmt: skip
BOOK = Target(
    Book, "book", "isbn",
    ("isbn", "title", "author", "publisher", "published_year", "genre", "price", "stock",
     "is_available"),
    {"stock": "0", "is_available": "yes"},
)  # fmt: skip
TARGETS = {"product": PRODUCT, "book": BOOK}
#: The import names the CLI and the admin offer.
KINDS = ("product", "book", "stock")

SYNONYMS = {
    "sku": ("sku", "ref", "reference", "item code", "product code", "article", "part number"),
    "name": ("name", "product", "product name", "item", "item name"),
    "category": ("category", "family", "product group"),
    "description": ("description", "desc", "details"),
    "price": (
        "price", "price incl", "price incl vat", "price incl tax", "unit price",
        "retail price", "rrp", "selling price",
    ),
    "stock": ("stock", "qty", "quantity", "on hand", "qty on hand", "in stock", "inventory"),
    "is_available": ("available", "is available", "on sale", "for sale", "active"),
    "isbn": ("isbn", "isbn13", "isbn 13", "isbn10", "isbn 10", "ean", "ean13"),
    "title": ("title", "book title"),
    "author": ("author", "authors", "writer", "by"),
    "publisher": ("publisher", "imprint"),
    "published_year": ("published year", "year", "publication year", "pub year", "published"),
    "genre": ("genre", "subject"),
}  # fmt: skip

_NOT_WORD = re.compile(r"[\W_]+")


def normalise_header(header: str) -> str:
    """``" Price (incl. VAT) "`` → ``"price incl vat"``."""
    return " ".join(_NOT_WORD.sub(" ", header.casefold()).split())


def kind_fields(kind: str) -> tuple[str, ...]:
    """The fields an import of ``kind`` may map."""
    if kind == "stock":
        return ("sku", "isbn", "stock")
    return TARGETS[kind].fields


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for the headers that name a field of ``kind`` (first one wins)."""
    fields = kind_fields(kind)
    lookup = {syn: field for field in fields for syn in (*SYNONYMS[field], field.replace("_", " "))}
    mapping: dict[str, str] = {}
    for header in headers:
        field = lookup.get(normalise_header(header))
        if field and field not in mapping:
            mapping[field] = header
    return mapping


def check_mapping(kind: str, mapping: dict, headers: list[str]) -> Target:
    """The target of an import of ``kind`` with ``mapping``; ``ValueError`` says what is wrong."""
    fields = kind_fields(kind)
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise ValueError(f"Unknown field(s) for a {kind} import: {', '.join(unknown)}.")
    missing = sorted({h for h in mapping.values() if h not in headers})
    if missing:
        raise ValueError(f"The file has no column named {', '.join(map(repr, missing))}.")
    if len(set(mapping.values())) != len(mapping):
        raise ValueError("Each column can fill one field only.")
    if kind == "stock":
        keys = [key for key in ("sku", "isbn") if key in mapping]
        if len(keys) != 1 or "stock" not in mapping:
            raise ValueError(
                "A stock list needs a SKU or an ISBN column (one of them) and a stock column."
            )
        return PRODUCT if keys == ["sku"] else BOOK
    target = TARGETS[kind]
    if target.key not in mapping:
        raise ValueError(f"No column is mapped to the key, {target.key.upper()}.")
    return target
