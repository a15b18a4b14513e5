"""Every form: admin create and edit of each model view, the account pages, the sign-in forms.

Fields come from the rendered form. Each field in turn gets each hostile value while
the others keep valid values (the rendered ones on an edit form; a sample on a create
form, with a fresh unique key per post), so the value gets as far as it can. No
answer may be a 5xx or log an ERROR, and text no field may accept (NUL, control
characters) typed into a text field must change no row and send no mail.
"""

from __future__ import annotations

import itertools

import pytest

from tests.hostile.html_forms import TYPED, form_fields, submitted
from tests.hostile.probe import changed_tables, form_body, label, model_views
from tests.hostile.values import COMMON, FILENAMES, FORBIDDEN_TEXT, NUMBERS

FORM_VALUES = {**COMMON, **NUMBERS}
_serial = itertools.count(1)


def isbn13(n: int) -> str:
    """A valid, unused ISBN-13 (978 prefix, check digit computed)."""
    digits = f"978{9_000_000_00 + n:09d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return digits + str(check)


#: Valid create-form data per model view; "{n}" makes unique keys unique per post.
#: A view missing here is still probed, with the values its edit form shows.
CREATE_SAMPLES = {
    "user": {"email": "new{n}@example.com", "username": "new{n}", "full_name": "New"},
    "product": {
        "name": "Pen",
        "sku": "PEN-{n}",
        "category": "stationery",
        "price": "2.50",
        "stock": "3",
        "is_available": "y",
    },
    "book": {
        "title": "Dune",
        "author": "Frank Herbert",
        "isbn": "{isbn}",
        "published_year": "1965",
        "genre": "fiction",
        "price": "9.50",
        "stock": "3",
        "is_available": "y",
    },
    "order": {
        "user": "{customer}",
        "shipping_address": "1 High Street",
        "items-0-product": "{product}",
        "items-0-quantity": "1",
    },
}


def fresh(sample: dict, probe) -> dict:
    """The sample with this post's unique keys and the seeded row ids filled in."""
    n = next(_serial)
    ids = {"customer": probe.user_id("customer"), "product": probe.product_id("SKU-1")}
    return {k: v.format(n=n, isbn=isbn13(n), **ids) for k, v in sample.items()}


def probe_form(probe, who: str, url: str, baseline, failures: list, *, sign_in=False) -> None:
    """POST ``url`` once per (field, hostile value), other fields from ``baseline()``.

    ``sign_in`` forms legitimately count a wrong password against the account, so
    there only the number of rows (and mails) must stay the same.
    """
    status, problem = probe.send(who, "GET", url)
    if problem or status != 200:
        if problem:
            failures.append(f"{label('GET', url)} -> {problem}")
        return
    fields = form_fields(probe.client(who).get(url).get_data(as_text=True))
    names = [n for n, f in fields.items() if f.kind != "file"]
    names += [n for n in baseline(fields) if n not in fields]
    for name, (key, value) in itertools.product(names, FORM_VALUES.items()):
        data = {**baseline(fields), name: value, "csrf_token": probe.token(who)}
        guarded = key in FORBIDDEN_TEXT and fields.get(name, None) is not None
        guarded = guarded and fields[name].kind in TYPED
        snapshot = probe.counts if sign_in else probe.snapshot
        before = snapshot() if guarded else None
        mails = probe.mails()
        status, problem = probe.send(
            who,
            "POST",
            url,
            data=form_body(data.items()),
            content_type="application/x-www-form-urlencoded",
        )
        what = f"{label('POST', url)} {name}={key}"
        if problem:
            failures.append(f"{what} -> {problem}")
        if before is not None and (changed := changed_tables(before, snapshot())):
            failures.append(f"{what} -> {status}: stored it ({', '.join(changed)} changed)")
        if before is not None and probe.mails() != mails:
            failures.append(f"{what} -> {status}: sent mail for a refused form")
        probe.still_signed_in(who)


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize("endpoint", [view.endpoint for view in model_views()])
def test_admin_form(probe, endpoint, form):
    """Create and edit forms of the admin, field by field (the victim row is edited).

    Rights depend on the signed-in user, so every view is tried: a form the admin may
    not open (403) has nothing to post to.
    """
    view = next(v for v in model_views(probe.app) if v.endpoint == endpoint)
    victim = probe.max_id(view.model)
    edit_url = f"/admin/{endpoint}/edit/?id={victim}"
    if form == "edit":
        url, baseline = edit_url, submitted
    else:
        url = f"/admin/{endpoint}/new/"
        if endpoint in CREATE_SAMPLES:

            def baseline(_fields):
                return fresh(CREATE_SAMPLES[endpoint], probe)
        else:
            shown = form_fields(probe.client("admin").get(edit_url).get_data(as_text=True))

            def baseline(_fields):
                return submitted(shown)

    failures: list[str] = []
    probe_form(probe, "admin", url, baseline, failures)
    assert not failures, "\n".join(failures)


SECURITY_SAMPLES = {
    "email": "stranger{n}@example.com",
    "password": "wrong password {n} but long enough",
    "password_confirm": "wrong password {n} but long enough",
    "new_password": "another long password {n}",
    "new_password_confirm": "another long password {n}",
    "full_name": "Stranger",
    "username": "stranger{n}",
}


def security_baseline(fields) -> dict:
    """Plausible values for a sign-in form; the password is never the right one."""
    n = next(_serial)
    data = submitted(fields)
    for name in fields:
        if name in SECURITY_SAMPLES:
            data[name] = SECURITY_SAMPLES[name].format(n=n)
    return data


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("anon", "/login"),
        ("anon", "/register"),
        ("anon", "/reset"),
        ("anon", "/confirm"),
        ("customer", "/change"),
        ("customer", "/verify"),
        ("customer", "/account/profile"),
    ],
)
def test_account_and_sign_in_forms(probe, who, url):
    """Flask-Security's forms and the profile, posted as forms; a refused one sends no mail."""
    failures: list[str] = []
    if url == "/account/profile":
        probe_form(probe, who, url, submitted, failures)
    else:
        probe_form(probe, who, url, security_baseline, failures, sign_in=True)
    assert not failures, "\n".join(failures)


def test_account_delete_with_hostile_passwords(probe):
    """Deleting one's account with a hostile password deletes nothing."""
    failures = []
    for key, value in FORM_VALUES.items():
        data = {"password": value, "csrf_token": probe.token("customer")}
        before = probe.counts()
        status, problem = probe.send(
            "customer",
            "POST",
            "/account/delete",
            data=form_body(data.items()),
            content_type="application/x-www-form-urlencoded",
        )
        if problem:
            failures.append(f"POST /account/delete password={key} -> {problem}")
        if changed := changed_tables(before, probe.counts()):
            failures.append(f"POST /account/delete password={key} -> {status}: changed {changed}")
        probe.still_signed_in("customer")
    assert not failures, "\n".join(failures)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e2b1f7a30000000049454e44ae426082"
)


def test_avatar_upload_with_hostile_names(probe):
    """Uploads named with NUL, traversal, 10,000 characters or a lone surrogate."""
    page = probe.client("customer").get("/account/avatar/").get_data(as_text=True)
    file_field = next(n for n, f in form_fields(page).items() if f.kind == "file")
    failures = []
    for (key, filename), content in itertools.product(
        FILENAMES.items(), (PNG, b"\x00" * 64, b"GIF89a" + b"\xff" * 32)
    ):
        body = _multipart(file_field, filename, content, probe.token("customer"))
        _, problem = probe.send(
            "customer",
            "POST",
            "/account/avatar/",
            data=body,
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
        if problem:
            what = f"POST /account/avatar/ filename={key} ({len(content)} bytes)"
            failures.append(f"{what} -> {problem}")
    assert not failures, "\n".join(failures)


BOUNDARY = "hostileboundary"


def _multipart(field: str, filename: str, content: bytes, token: str) -> bytes:
    """A multipart body with a CSRF token and one file, its name written byte for byte."""
    name = filename.encode("utf-8", "surrogatepass")
    return b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n',
            token.encode() + b"\r\n",
            f"--{BOUNDARY}\r\n".encode(),
            f'Content-Disposition: form-data; name="{field}"; filename="'.encode()
            + name
            + b'"\r\nContent-Type: image/png\r\n\r\n',
            content + b"\r\n",
            f"--{BOUNDARY}--\r\n".encode(),
        ]
    )
