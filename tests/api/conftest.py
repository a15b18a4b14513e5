"""API test helpers: keys with chosen scopes and the header that carries them."""

from __future__ import annotations

import pytest

from backoffice.services.api_keys import SCOPES
from tests.support.factories import add_api_key


def bearer(raw: str) -> dict[str, str]:
    """The Authorization header for the key ``raw``."""
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def full_key(app) -> dict[str, str]:
    """Headers with a key holding every scope."""
    return bearer(add_api_key(app, "everything", SCOPES))
