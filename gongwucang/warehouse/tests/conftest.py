import pytest

from gongwucang.warehouse.testing import make_warehouses


@pytest.fixture
def stores(world):  # type: ignore[no-untyped-def]
    return make_warehouses(world)
