"""The lists' query counts are pinned and do not grow with the number of rows (no N+1); measured
with 2 and 8 rows (the frame itself — menu, inbox count, scope — is part of every count)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gongwucang.core.dates import local_today
from gongwucang.warehouse import services
from gongwucang.warehouse.testing import approve_all, stock_item


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
    count(django_assert_max_num_queries, clerk, reverse("warehouse:catalogue"), 12)
    count(django_assert_max_num_queries, clerk, reverse("workflow:order_list"), 7)
    count(django_assert_max_num_queries, clerk, reverse("workflow:order_detail", args=[order[0].pk]), 14)
    keeper = client_for(world.keeper)
    count(django_assert_max_num_queries, keeper, reverse("workflow:inbox"), 9)
    count(django_assert_max_num_queries, keeper, reverse("warehouse:stock"), 9)


def count_download(django_assert_max_num_queries, client, url, limit):  # type: ignore[no-untyped-def]
    """An export's queries run while its stream is read: read it inside the count."""
    with django_assert_max_num_queries(limit):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)


@pytest.mark.parametrize("n", [2, 8])
def test_exports_do_not_grow_with_rows(world, stores, django_assert_max_num_queries, n):
    items = [stock_item(world, stores, physical=i % 2 == 0) for i in range(n)]
    services.allocation_request(actor=world.clerk_sch, pool_item_ids=[i.pk for i in items[::2]], purpose="x")
    loan = services.loan_request(
        actor=world.clerk_sch,
        pool_item_ids=[i.pk for i in items[1::2]],
        purpose="x",
        due_on=local_today() + dt.timedelta(days=3),
    )[0]
    services.loan_lend(actor=world.keeper, order_id=approve_all(loan, world).pk)
    keeper = client_for(world.keeper)
    count_download(django_assert_max_num_queries, keeper, reverse("warehouse:catalogue_export"), 7)
    count_download(django_assert_max_num_queries, keeper, reverse("warehouse:stock_export"), 5)
    count_download(django_assert_max_num_queries, keeper, reverse("warehouse:loans_export"), 5)
    count_download(django_assert_max_num_queries, keeper, reverse("workflow:order_list_export"), 5)
    giver = client_for(world.clerk_oth)  # listed the virtual half, asked for by the school
    count_download(django_assert_max_num_queries, giver, reverse("warehouse:listed_export"), 5)
