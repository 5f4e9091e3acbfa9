"""The lists' query counts are pinned and do not grow with the number of rows (no N+1); measured
with 2 and 8 rows (the frame itself — menu, inbox count, scope — is part of every count)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongwucang.warehouse import services
from gongwucang.warehouse.testing import stock_item


def client_for(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def count(django_assert_max_num_queries, client, url, limit):  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [2, 8])
def test_catalogue_and_order_pages_do_not_grow_with_rows(world, stores, django_assert_max_num_queries, n):
    items = [stock_item(world, stores, physical=i % 2 == 0) for i in range(n)]
    order = services.allocation_request(
        actor=world.clerk_sch, pool_item_ids=[i.pk for i in items], purpose="x"
    )
    clerk = client_for(world.clerk_sch)
    count(django_assert_max_num_queries, clerk, reverse("warehouse:catalogue"), 14)
    count(django_assert_max_num_queries, clerk, reverse("workflow:order_list"), 7)
    count(django_assert_max_num_queries, clerk, reverse("workflow:order_detail", args=[order[0].pk]), 14)
    keeper = client_for(world.keeper)
    count(django_assert_max_num_queries, keeper, reverse("workflow:inbox"), 9)
    count(django_assert_max_num_queries, keeper, reverse("warehouse:stock"), 9)
