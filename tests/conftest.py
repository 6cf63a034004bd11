from __future__ import annotations

import pytest

from tests.helpers import SHARED


@pytest.fixture
def shared():  # type: ignore[no-untyped-def]
    """``../shared`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
