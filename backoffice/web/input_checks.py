"""Checks of raw request parts against the text rules (``backoffice.text``).

Each function takes bytes as they arrived and returns ``(field, reason)`` problems,
an empty list when all is well. Raw bytes, because Werkzeug silently turns invalid
UTF-8 into U+FFFD (or into a re-quoted ``%C3``) and the parsed values cannot tell.
"""

from __future__ import annotations

import codecs
import json
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from backoffice.text import printable, refusal

#: Nesting allowed in a JSON body; no form sent as JSON comes near it.
MAX_JSON_DEPTH = 20
#: Problems reported per request: enough to name the fields, not a body-sized answer.
MAX_PROBLEMS = 10
#: Bytes of a multipart body handed to the decoder at a time (Werkzeug's parser reads 64 kB).
MULTIPART_CHUNK = 64 * 1024

Problems = list[tuple[str, str]]

NOT_UTF8 = "is not valid UTF-8"


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def _label(raw: bytes) -> str:
    return printable(raw.decode(errors="replace"))


def _value(name: str, raw: bytes, line_breaks: bool) -> Problems:
    text = _text(raw)
    if text is None:
        return [(name, NOT_UTF8)]
    reason = refusal(text, line_breaks=line_breaks)
    return [(name, reason)] if reason else []


def _name(raw: bytes) -> tuple[str, Problems]:
    """The field's name as it can be shown, and the problems with it."""
    name = _text(raw)
    if name is None:
        return _label(raw), [(_label(raw), f"the field name {NOT_UTF8}")]
    return _checked_name(name)


def _checked_name(name: str) -> tuple[str, Problems]:
    reason = refusal(name, line_breaks=False)
    if reason:
        return printable(name), [(printable(name), f"the field name {reason}")]
    return name, []


def path_problems(raw: bytes) -> Problems:
    """The URL path (already percent-decoded by the server)."""
    return _value("path", raw, line_breaks=False)


def urlencoded_problems(raw: bytes, *, line_breaks: bool) -> Problems:
    """A query string or urlencoded body; ``line_breaks`` allows tab, CR, LF in values."""
    # Fast path: when the whole decoded text passes the strict rule, every part does
    # (a UTF-8 sequence never holds the bytes of "&", "=" or "%").
    text = _text(unquote_to_bytes(raw))
    if text is not None and refusal(text, line_breaks=False) is None:
        return []
    # Text-area line breaks: the values are fine, only the names need a look.
    values_ok = text is not None and refusal(text, line_breaks=line_breaks) is None
    problems: Problems = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.replace(b"+", b" ").partition(b"=")
        name, problems_of_name = _name(unquote_to_bytes(key))
        if problems_of_name:
            problems += problems_of_name
        elif not values_ok:
            problems += _value(name, unquote_to_bytes(value), line_breaks)
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def multipart_problems(
    raw: bytes, boundary: bytes, *, max_parts: int | None, max_field_size: int | None
) -> Problems:
    """Field names, text values and upload file names of a multipart body (not file contents).

    Parsed with Werkzeug's own decoder and limits (a body over them is a 413, as it would
    be in the view), so the parts are those the view will see. Values must be UTF-8
    whatever a part's Content-Type says: browsers send nothing else.
    """
    decoder = MultipartDecoder(boundary, max_field_size, max_parts=max_parts)
    problems: Problems = []
    part: Field | File | None = None
    chunks: list[bytes] = []
    try:
        # Fed a chunk at a time, as Werkzeug's own parser does: the decoder's buffer limit
        # (max_form_memory_size) is meant for one event, not for the whole body (fed at
        # once, any body over 500 kB was refused, whatever its file's size).
        for start in [*range(0, len(raw), MULTIPART_CHUNK), None]:
            decoder.receive_data(None if start is None else raw[start : start + MULTIPART_CHUNK])
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)) and len(problems) < MAX_PROBLEMS:
                if isinstance(event, (Field, File)):
                    part, chunks = event, []
                    name, problems_of_name = _checked_name(event.name or "")
                    problems += problems_of_name
                    reason = isinstance(event, File) and refusal(event.filename, line_breaks=False)
                    if reason:
                        problems.append((name, f"the file name {reason}"))
                elif isinstance(event, Data) and isinstance(part, Field):
                    chunks.append(event.data)
                    if max_field_size and sum(map(len, chunks)) > max_field_size:
                        raise RequestEntityTooLarge()  # as Werkzeug's parser in the view
                    if not event.more_data:
                        problems += _value(printable(part.name or ""), b"".join(chunks), True)
                event = decoder.next_event()
            if isinstance(event, Epilogue) or len(problems) >= MAX_PROBLEMS:
                break
    except ValueError:  # malformed, or part headers that are not UTF-8
        return [("form", "is not a well-formed multipart body with UTF-8 part headers")]
    return problems


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def json_problems(raw: bytes, *, object_only: bool) -> Problems:
    """A JSON body: UTF-8, parseable, no NaN/Infinity, nested at most ``MAX_JSON_DEPTH``.

    Every key and string must pass the text rules (field named by its path, such as
    ``items[2].name``); ``object_only`` also requires an object at the top level.
    """
    text = _text(raw.removeprefix(codecs.BOM_UTF8))  # RFC 8259 lets a parser ignore it
    if text is None:
        return [("body", NOT_UTF8)]
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # the C scanner stops itself well before the stack runs out
        return [("body", f"is nested deeper than {MAX_JSON_DEPTH} levels")]
    except ValueError as exc:
        return [("body", f"is not valid JSON: {exc}")]
    if object_only and not isinstance(document, dict):
        return [("body", "expected a JSON object")]
    return _tree_problems(document)


def _tree_problems(document) -> Problems:
    """Walk the parsed tree with a stack of its own (no recursion), checking depth and text."""
    if isinstance(document, str):
        reason = refusal(document, line_breaks=True)
        return [("body", reason)] if reason else []
    if not isinstance(document, (dict, list)):
        return []
    problems: Problems = []
    stack = [(document, "", 1)]
    while stack and len(problems) < MAX_PROBLEMS:
        node, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return [("body", f"is nested deeper than {MAX_JSON_DEPTH} levels")]
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in items:
            if isinstance(key, str):
                reason = refusal(key, line_breaks=False)
                child = f"{path}.{printable(key)}" if path else printable(key)
                if reason:
                    problems.append((child, f"the key {reason}"))
                    continue
            else:
                child = f"{path}[{key}]"
            if isinstance(item, str):
                reason = refusal(item, line_breaks=True)
                if reason:
                    problems.append((child, reason))
            elif isinstance(item, (dict, list)):
                stack.append((item, child, depth + 1))
    return problems
