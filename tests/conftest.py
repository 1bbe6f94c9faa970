"""Shared test setup.

Tests that need an outside service (PostgreSQL, Debian's chromium) skip visibly when it is
missing on a developer's machine, and fail under CI=true, where a skip would hide a broken
pipeline.
"""

from __future__ import annotations

import os

import pytest


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Skip (developer machine) or fail (CI) when a service the test needs is missing."""
    if available:
        return
    if running_in_ci():
        pytest.fail(f"{what} is required under CI=true but is not available", pytrace=False)
    pytest.skip(f"{what} is not available on this machine")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """argon2id at minimum cost in tests: the same code path, a thousandth of the time."""
    from argon2 import PasswordHasher

    from feedback_api.officers import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    security._hasher = original
