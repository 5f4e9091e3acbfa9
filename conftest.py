"""Project-wide pytest fixtures: the shared test region (`world`) and categories."""

from __future__ import annotations

import pytest

from gongwucang.core.testing import World, ensure_categories, make_world


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    ensure_categories()
    return make_world()


@pytest.fixture
def categories(db):  # type: ignore[no-untyped-def]
    return ensure_categories()
