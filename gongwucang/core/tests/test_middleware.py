"""What every request goes through (core.middleware): NUL characters are refused with a 400."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongwucang.core.testing import World, make_asset

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_a_search_or_a_form_is_a_400_and_changes_nothing(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot compare or store text with NUL: the order list's search reading it raised
    a 500 there. Refused before any view, in the user's language, on both databases."""
    card = make_asset(actor=world.clerk_sch, unit=world.SCH)
    client.force_login(world.clerk_sch)
    response = client.get(reverse("workflow:order_list"), {"q": "电脑\x00"})
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()
    assert client.get(reverse("assets:list"), {"q\x00": "x"}).status_code == 400  # in a name, too
    response = client.post(reverse("assets:edit", args=[card.pk]), {"name": "笔记\x00本"})
    assert response.status_code == 400
    card.refresh_from_db()
    assert card.name == "笔记本电脑" and card.version == 1
    # Everything else passes as before.
    assert client.get(reverse("workflow:order_list"), {"q": "电脑"}).status_code == 200
