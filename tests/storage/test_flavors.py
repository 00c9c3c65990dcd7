"""The management store: flavors, and pools joined to them."""

from __future__ import annotations

import pytest

from tests.backends import BACKENDS, POOLED
from zaqar.storage import base, errors

pytestmark = pytest.mark.parametrize(
    "backend", [b.name for b in BACKENDS if b.driver != POOLED], indirect=True
)


@pytest.fixture
def flavors(driver: base.DataDriver) -> base.FlavorsController:
    return driver.control.flavors_controller


def test_a_flavor_is_created_once_and_read_back(flavors: base.FlavorsController) -> None:
    assert flavors.create("gold", "p1") is True
    assert flavors.create("gold", "p1") is False
    assert flavors.get("gold", "p1") == base.Flavor("gold", "p1")


def test_flavors_belong_to_their_project(flavors: base.FlavorsController) -> None:
    flavors.create("gold", "p1")
    for project in ("p2", None):
        with pytest.raises(errors.FlavorDoesNotExist):
            flavors.get("gold", project)
        assert flavors.list(project).items == []
    flavors.create("gold", None)
    assert flavors.get("gold", None).project is None


def test_flavors_are_listed_in_name_order_page_by_page(flavors: base.FlavorsController) -> None:
    for name in ("silver", "bronze", "gold"):
        flavors.create(name, "p1")
    page = flavors.list("p1", limit=2)
    assert [flavor.name for flavor in page.items] == ["bronze", "gold"]
    assert page.next_marker == "gold"
    rest = flavors.list("p1", marker=page.next_marker, limit=2)
    assert [flavor.name for flavor in rest.items] == ["silver"]
    assert flavors.list("p1", marker="silver").items == []


def test_deleting_a_flavor_forgets_it_and_a_missing_one_is_no_error(
    flavors: base.FlavorsController,
) -> None:
    flavors.create("gold", "p1")
    flavors.delete("gold", "p1")
    flavors.delete("gold", "p1")
    with pytest.raises(errors.FlavorDoesNotExist):
        flavors.get("gold", "p1")
    assert flavors.create("gold", "p1") is True


def test_a_pool_joins_and_leaves_a_flavor(pools: base.PoolsController) -> None:
    pools.create("p1", 1, "redis://a", options={"x": 1})
    assert pools.update("p1", flavor="gold").flavor == "gold"
    # The other fields stay as they were.
    assert pools.get("p1") == base.Pool("p1", "redis://a", 1, "gold", {"x": 1})
    assert pools.update("p1", weight=3).flavor == "gold"
    assert pools.update("p1", flavor="").flavor is None
    assert pools.get("p1").flavor is None
