"""Helpers the tests share; ``tests/conftest.py`` holds only fixtures and pytest hooks.

- ``apps``: ``make_app`` (a test app on a given database), its closing client, ``wipe``, ``Clock``
- ``factories``: ``PASSWORD`` and rows for tests (``add_user``, ``get_user``, ``add_product``,
  ``add_book``, ``add_order``)
- ``orders``: orders placed through the service and moved through legal status steps
- ``http``: CSRF tokens, ``post_form`` and ``login`` through the real forms
- ``rawhttp``: a minimal browser over raw sockets, for real server processes
- ``servers``: Werkzeug in a thread and gunicorn in a subprocess, on a free port
- ``ftpserver``: real pyftpdlib servers (a pytest plugin registered in ``tests/conftest.py``)
- ``databases``: scratch PostgreSQL databases, SQLite lock helpers (also used by ``bench/``)
- ``samples``: image files in every format, hostile ones, and checks on what was stored
- ``page_audit``: reads a rendered page as an accessibility checker would

They may import ``backoffice`` and each other, never a test module or a conftest.
"""
