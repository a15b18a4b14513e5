"""An API key for the API door's test."""

from __future__ import annotations

import pytest

from backoffice.services.api_keys import SCOPES
from tests.api.conftest import bearer
from tests.support.factories import add_api_key


@pytest.fixture
def full_key(app) -> dict[str, str]:
    """Headers with a key holding every scope (named "everything")."""
    return bearer(add_api_key(app, "everything", SCOPES))
