from __future__ import annotations

import os
import urllib.request
from functools import cache
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import SHARED, hypothesis_profile

#: Property tests: the default profile ("ci") is derandomised, a fixed sequence of examples derived from each test, and
#: keeps no example database, so every run of a checkout tries the same examples and no result depends on a
#: `.hypothesis/` directory. `COGCHECK_HYPOTHESIS=explore` selects random examples (ten times as many, see
#: tests.helpers.examples) and a database of failures under `.hypothesis/` (git-ignored) that replays them.
settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "explore", derandomize=False, print_blob=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(hypothesis_profile())

#: where pip and pre-commit fetch packages from (pip's own setting when given)
REGISTRY = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")


@pytest.fixture
def shared():  # type: ignore[no-untyped-def]
    """``../shared`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@cache
def registry_unreachable() -> str | None:
    """Why the package registry cannot be reached (None when it can): one HTTP request for pip's index page,
    at most 5 seconds (proxies in the environment are used, as pip uses them)."""
    if os.environ.get("COGCHECK_SKIP_NETWORK_TESTS") == "1":
        return "COGCHECK_SKIP_NETWORK_TESTS=1"
    url = REGISTRY.rstrip("/") + "/pip/"
    if urlsplit(url).scheme not in ("http", "https"):
        return None  # a local index
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read(1)
    except (OSError, ValueError) as exc:
        return f"{url}: {getattr(exc, 'reason', None) or exc}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``network`` (they install from the package registry) skip when it cannot be reached."""
    if item.get_closest_marker("network") is not None:
        why = registry_unreachable()
        if why is not None:
            pytest.skip(f"needs the package registry {REGISTRY}, which cannot be reached ({why})")
