"""The test suite: its packages mirror ``backoffice/``.

``conftest.py`` holds the fixtures (database → app → client → signed-in clients) and
pytest hooks; the helpers they and the tests share live in ``support/``. Test modules sit
in the package of the code they test: ``account/``, ``admin/``, ``auth/``, ``avatars/``,
``cli/``, ``models/``, ``services/``, ``storage/``, ``web/``; ``migrations/`` for the
Alembic revisions; ``hostile/`` for hostile input everywhere; ``e2e/`` for browser journeys
(``make e2e``). What is about the whole project (settings, the clock rule, requirements)
stays at the top.
"""

import pytest

# The shared helpers' asserts get pytest's detailed failure messages, as conftest's do.
pytest.register_assert_rewrite("tests.support")
