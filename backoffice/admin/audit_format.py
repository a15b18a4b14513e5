"""An audit entry's changes as HTML (the audit log's list and every record's History tab)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes_html(view, context, model, name) -> Markup:
    """The changes JSON as a list: ``field: before → after`` (other entries: ``key: value``)."""
    changes = model.changes
    if not changes:
        return Markup("")
    items = []
    for field, value in changes.items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            items.append(
                Markup(
                    '<li><code>{}</code>: <span class="audit-before">{}</span> → '
                    '<span class="audit-after">{}</span></li>'
                ).format(field, _show(value["before"]), _show(value["after"]))
            )
        else:
            items.append(Markup("<li><code>{}</code>: {}</li>").format(field, _show(value)))
    return Markup('<ul class="audit-changes">{}</ul>').format(Markup("").join(items))
