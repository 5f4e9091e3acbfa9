"""Accounting screens: every URL × every role (finance posts and closes; the auditor reads; clerks
see their own unit's figures; another region's or unit's data is a 404), then what the pages do."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongwucang.accounting.domain.periods import PeriodStatus, RequestStatus
from gongwucang.accounting.models import DepreciationEntry, Period, PeriodEvent, PostingRequest
from gongwucang.accounting.services import depreciation_post, period_close
from gongwucang.core.testing import make_asset, make_world

pytestmark = pytest.mark.django_db
D = dt.date
NOV = D(2026, 11, 1)

ROLES = [
    "clerk_sch",
    "head_sch",
    "supervisor",
    "finance",
    "auditor",
    "admin",
    "keeper",
    "clerk_oth",
    "nobody",
    "anonymous",
    "finance_elsewhere",
]
IN_REGION = {"clerk_sch", "head_sch", "supervisor", "finance", "auditor", "admin", "keeper", "clerk_oth"}
READERS_OF_SCH = {"clerk_sch", "head_sch", "supervisor", "finance", "auditor", "admin"}
FINANCE = {"finance"}


@pytest.fixture
def books(world):
    """Two units with cards, November posted."""
    sch = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        original_value="5999.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=72,
        name="台式计算机",
    )
    oth = make_asset(
        actor=world.clerk_oth,
        unit=world.OTH,
        original_value="1200.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=12,
        name="打印机",
        category_code="A02021000",
    )
    depreciation_post(actor=world.finance, region=world.region, month=NOV)
    return {"sch": sch, "oth": oth, "period": Period.objects.get(region=world.region, month=NOV)}


def login(client, world, role):
    if role == "anonymous":
        return client
    if role == "finance_elsewhere":
        other = make_world("330100002")
        client.force_login(other.finance)
    else:
        client.force_login(getattr(world, role))
    return client


def expect(role, allowed, ok=200):
    if role == "anonymous":
        return 302
    return ok if role in allowed else 404


@pytest.mark.parametrize("role", ROLES)
def test_period_list(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:periods"))
    if role == "finance_elsewhere":
        assert response.status_code == 200 and "测试镇" in response.content.decode()  # their own region
        assert response.context["region"] != world.region
        return
    assert response.status_code == expect(role, IN_REGION)
    if response.status_code == 200:
        assert ('data-testid="post-form"' in response.content.decode()) == (role in FINANCE)


@pytest.mark.parametrize("role", ROLES)
def test_period_list_of_another_region(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:periods") + f"?region={world.region.pk}")
    assert response.status_code == expect(role, IN_REGION)


@pytest.mark.parametrize("role", ROLES)
def test_post_button(client, world, books, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, world, role).post(
            reverse("accounting:post") + f"?region={world.region.pk}", {"month": "2026-12"}
        )
    assert response.status_code == expect(role, FINANCE, ok=302)
    assert Period.objects.filter(month=D(2026, 12, 1), status=PeriodStatus.POSTED).exists() == (
        role in FINANCE
    )


@pytest.mark.parametrize("role", ROLES)
def test_request_page(client, world, books, role):
    request = PostingRequest.objects.create(
        region=world.region, month=NOV, requested_by=world.finance, months_total=1
    )
    response = login(client, world, role).get(reverse("accounting:request", args=[request.pk]))
    assert response.status_code == expect(role, IN_REGION)


@pytest.mark.parametrize("role", ROLES)
def test_period_detail_and_its_entries(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:period", args=[books["period"].pk]))
    assert response.status_code == expect(role, IN_REGION)
    if response.status_code == 200:
        html = response.content.decode()
        assert ("台式计算机" in html) == (role in READERS_OF_SCH)
        assert ("打印机" in html) == (role in {"clerk_oth", "finance", "auditor", "admin"})
        assert ('data-testid="close"' in html) == (role in FINANCE)


@pytest.mark.parametrize("role", ROLES)
def test_period_export(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:period_export", args=[books["period"].pk]))
    assert response.status_code == expect(role, IN_REGION)
    if response.status_code == 200:
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
        numbers = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
        assert (books["sch"].asset_no in numbers) == (role in READERS_OF_SCH)
        assert (books["oth"].asset_no in numbers) == (role in {"clerk_oth", "finance", "auditor", "admin"})


@pytest.mark.parametrize("role", ROLES)
def test_close(client, world, books, role):
    response = login(client, world, role).post(reverse("accounting:period_close", args=[books["period"].pk]))
    assert response.status_code == expect(role, FINANCE, ok=302)
    books["period"].refresh_from_db()
    assert (books["period"].status == PeriodStatus.CLOSED) == (role in FINANCE)


@pytest.mark.parametrize("role", ROLES)
def test_reopen(client, world, books, role):
    period_close(actor=world.finance, period_id=books["period"].pk)
    response = login(client, world, role).post(
        reverse("accounting:period_reopen", args=[books["period"].pk]), {"reason": "补登一张卡片"}
    )
    assert response.status_code == expect(role, FINANCE, ok=302)
    books["period"].refresh_from_db()
    assert (books["period"].status == PeriodStatus.POSTED) == (role in FINANCE)


@pytest.mark.parametrize("role", ROLES)
def test_summary_default(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:summary") + f"?region={world.region.pk}")
    assert response.status_code == expect(role, IN_REGION)


@pytest.mark.parametrize("role", ROLES)
def test_summary_of_the_school(client, world, books, role):
    url = reverse("accounting:summary") + f"?region={world.region.pk}&unit={world.SCH.pk}"
    response = login(client, world, role).get(url)
    assert response.status_code == expect(role, READERS_OF_SCH)
    export = client.get(
        reverse("accounting:summary_export") + f"?region={world.region.pk}&unit={world.SCH.pk}"
    )
    assert export.status_code == expect(role, READERS_OF_SCH)


@pytest.mark.parametrize("role", ROLES)
def test_calculator(client, world, role):
    response = login(client, world, role).get(
        reverse("accounting:calculator") + "?cost=5999.00&life_months=72&added=2026-03-15"
    )
    assert response.status_code == (302 if role == "anonymous" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_card_schedule(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:card_schedule", args=[books["sch"].pk]))
    assert response.status_code == expect(role, READERS_OF_SCH)
    export = client.get(reverse("accounting:card_schedule_export", args=[books["sch"].pk]))
    assert export.status_code == expect(role, READERS_OF_SCH)


@pytest.mark.parametrize("role", ROLES)
def test_card_workload(client, world, books, role):
    response = login(client, world, role).get(reverse("accounting:card_workload", args=[books["sch"].pk]))
    assert response.status_code == expect(role, {"clerk_sch"})


# --- What the pages do ----------------------------------------------------------------------------


def test_finance_posts_and_sees_the_progress(client, world, django_capture_on_commit_callbacks):
    make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        original_value="5999.00",
        acquired_on=D(2026, 3, 15),
        useful_life_months=72,
    )
    client.force_login(world.finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounting:post") + f"?region={world.region.pk}", {"month": "2026-11", "catch_up": ""}
        )
    request = PostingRequest.objects.get()
    assert response["Location"] == reverse("accounting:request", args=[request.pk])
    assert request.status == RequestStatus.SUCCEEDED and request.cards == 1 and request.total_fen == 8332
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and "¥83.32" in page and "every 1s" not in page
    assert DepreciationEntry.objects.count() == 1


def test_progress_partial_polls_until_finished(client, world):
    request = PostingRequest.objects.create(
        region=world.region,
        month=NOV,
        requested_by=world.finance,
        months_total=2,
        months_done=1,
        status=RequestStatus.RUNNING,
        message="正在计提 2026-11（第 2/2 期）",
    )
    client.force_login(world.finance)
    partial = client.get(
        reverse("accounting:request", args=[request.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "50%" in partial and "<html" not in partial


def test_posting_out_of_order_is_explained_and_nothing_recorded(client, world):
    make_asset(actor=world.clerk_sch, unit=world.SCH)
    depreciation_post(actor=world.finance, region=world.region, month=D(2026, 9, 1))
    client.force_login(world.finance)
    response = client.post(
        reverse("accounting:post") + f"?region={world.region.pk}", {"month": "2026-11"}, follow=True
    )
    assert "2026-10 尚未计提折旧" in response.content.decode()
    assert not PostingRequest.objects.exists()
    response = client.post(
        reverse("accounting:post") + f"?region={world.region.pk}", {"month": "11/2026"}, follow=True
    )
    assert "年-月" in response.content.decode()


def test_close_and_reopen_from_the_period_page(client, world, books):
    client.force_login(world.finance)
    url = reverse("accounting:period", args=[books["period"].pk])
    assert "data-confirm" in client.get(url).content.decode()
    client.post(reverse("accounting:period_close", args=[books["period"].pk]))
    page = client.get(url).content.decode()
    assert "已结账" in page and "反结账" in page
    response = client.post(
        reverse("accounting:period_reopen", args=[books["period"].pk]), {"reason": ""}, follow=True
    )
    assert "请填写反结账的原因" in response.content.decode()
    client.post(reverse("accounting:period_reopen", args=[books["period"].pk]), {"reason": "补登捐赠电脑"})
    assert PeriodEvent.objects.get(kind="reopened").reason == "补登捐赠电脑"
    assert "补登捐赠电脑" in client.get(url).content.decode()


def test_supervisor_sees_the_subtree(client, world, books):
    cln = make_asset(
        actor=world.clerk_cln,
        unit=world.CLN,
        name="B超机",
        original_value="90000.00",
        acquired_on=D(2026, 11, 2),
        useful_life_months=60,
    )
    depreciation_post(actor=world.finance, region=world.region, month=NOV)
    client.force_login(world.supervisor)
    html = client.get(reverse("accounting:period", args=[books["period"].pk])).content.decode()
    assert "台式计算机" in html and "B超机" in html and "打印机" not in html
    summary = client.get(reverse("accounting:summary") + f"?unit={world.SUP.pk}&subtree=on&month=2026-11")
    total = summary.context["summary"].total
    assert total.cards == 2
    assert total.original_fen == 599900 + 9000000
    assert total.period_fen == 8332 + 150000
    assert DepreciationEntry.objects.get(asset_id=cln.pk).amount_fen == 150000


def test_value_summary_by_class_for_the_region(client, world, books):
    make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="办公桌",
        category_code="A05010100",
        original_value="1800.00",
        acquired_on=D(2026, 11, 3),
        useful_life_months=180,
    )
    make_asset(
        actor=world.clerk_sch, unit=world.SCH, name="档案", category_code="A04000000", original_value="500.00"
    )
    client.force_login(world.auditor)
    response = client.get(reverse("accounting:summary") + "?month=2026-11")
    rows = {row.code: row for row in response.context["summary"].rows}
    assert rows["A02"].cards == 2 and rows["A02"].original_fen == 599900 + 120000
    assert rows["A02"].accumulated_fen == 8332 + 10000 and rows["A02"].period_fen == 8332 + 10000
    assert rows["A05"].cards == 1 and rows["A05"].accumulated_fen == 0  # booked after the posting
    assert rows["A04"].net_fen == 50000
    assert [r.code for r in response.context["summary"].rows][:2] == ["A01", "A02"]
    html = response.content.decode()
    assert "房屋和构筑物" in html and "家具和用具" in html
    export = client.get(reverse("accounting:summary_export") + "?month=2026-11")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][:3] == ("分类代码", "资产大类", "卡片数")
    a02 = next(v for v in values if v[0] == "A02")
    assert a02[3] == pytest.approx(7199.00) and isinstance(a02[3], float | int)


def test_unit_outside_the_scope_is_404_not_403(client, world, books):
    client.force_login(world.clerk_sch)
    assert client.get(reverse("accounting:summary") + f"?unit={world.OTH.pk}").status_code == 404
    own = client.get(reverse("accounting:summary"))
    assert own.status_code == 200 and own.context["summary"].title == world.SCH.name


def test_card_page_shows_the_panel_and_the_entries(client, world, books):
    client.force_login(world.clerk_sch)
    html = client.get(reverse("assets:detail", args=[books["sch"].pk])).content.decode()
    assert 'data-testid="depreciation-panel"' in html
    assert "计提折旧 2026-11" in html and "本期折旧 ¥83.32" in html
    assert 'value="5999.00"' in html and 'value="2026-03-15"' in html  # the calculator, prefilled


def test_calculator_partial(client, world):
    client.force_login(world.clerk_sch)
    html = client.get(
        reverse("accounting:calculator") + "?cost=5999.00&life_months=72&added=2026-03-15",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in html and "共 72 个月" in html and "2032-02" in html and "¥83.28" in html
    bad = client.get(
        reverse("accounting:calculator") + "?cost=12.345&life_months=0&added=2026-03-15",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "金额最多两位小数" in bad and "使用年限（月）" in bad


def test_card_schedule_past_and_projection(client, world, books):
    client.force_login(world.finance)
    response = client.get(reverse("accounting:card_schedule", args=[books["sch"].pk]))
    schedule = response.context["schedule"]
    assert [e.period.label for e in schedule.past] == ["2026-11"]
    assert schedule.projection[0].period == "2026-12" and len(schedule.projection) == 71
    assert sum(r.amount_fen for r in schedule.projection) + 8332 == 599900
    export = client.get(reverse("accounting:card_schedule_export", args=[books["sch"].pk]))
    rows = list(
        load_workbook(io.BytesIO(b"".join(export.streaming_content)), read_only=True).active.iter_rows(
            values_only=True
        )
    )
    assert rows[3][:3] == ("2026-11", "已计提", pytest.approx(83.32))
    assert rows[-1][0] == "2032-10"


def test_card_schedule_of_a_card_added_after_its_month_was_posted(client, world, books):
    """November is posted for the region; a card booked in November after the posting still owes
    November (the region's latest posted period, not this card's), and the card page shows it."""
    late = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        original_value="1200.00",
        acquired_on=D(2026, 11, 20),
        useful_life_months=12,
        name="后补录的打印机",
    )
    client.force_login(world.finance)
    schedule = client.get(reverse("accounting:card_schedule", args=[late.pk])).context["schedule"]
    assert schedule.past == [] and schedule.projection[0].period == "2026-11"
    assert len(schedule.projection) == 12 and sum(r.amount_fen for r in schedule.projection) == 120000
    assert client.get(reverse("assets:detail", args=[late.pk])).status_code == 200


def test_workload_page(client, world):
    truck = make_asset(
        actor=world.clerk_sch,
        unit=world.SCH,
        name="货车",
        category_code="A02030500",
        original_value="300000.00",
        acquired_on=D(2026, 11, 2),
        depreciation_method="units_of_production",
    )
    client.force_login(world.clerk_sch)
    url = reverse("accounting:card_workload", args=[truck.pk])
    response = client.post(url, {"form": "plan", "total_workload": "600000", "workload_unit": "公里"})
    assert response.status_code == 302
    response = client.post(url, {"form": "reading", "month": "2026-11", "workload": "5000"})
    assert response.status_code == 302
    response = client.post(url, {"form": "reading", "month": "2026-11", "workload": "-3"})
    assert response.status_code == 200 and "确保该值大于或等于" in response.content.decode()
    depreciation_post(actor=world.finance, region=world.region, month=NOV)
    assert DepreciationEntry.objects.get(asset_id=truck.pk).amount_fen == 250000
    response = client.post(url, {"form": "reading", "month": "2026-11", "workload": "6000"})
    assert "已计提，工作量不能再修改" in response.content.decode()


@pytest.mark.parametrize("cards", [3, 12])
def test_period_page_query_count_does_not_grow_with_cards(client, world, cards, django_assert_num_queries):
    for i in range(cards):
        make_asset(
            actor=world.clerk_sch,
            unit=world.SCH,
            name=f"电脑{i}",
            original_value="5999.00",
            acquired_on=D(2026, 3, 15),
            useful_life_months=72,
        )
    depreciation_post(actor=world.finance, region=world.region, month=NOV)
    period = Period.objects.get(month=NOV)
    client.force_login(world.auditor)
    client.get(reverse("accounting:period", args=[period.pk]))  # warm the session
    with django_assert_num_queries(QUERIES_PERIOD_PAGE):
        client.get(reverse("accounting:period", args=[period.pk]))


QUERIES_PERIOD_PAGE = 15  # the frame reads the roles once for scope and menu (issue 6)


def test_finance_to_dos(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongwucang.accounting.services import periods_open_books
    from gongwucang.accounting.ui import inbox_count, todo_items
    from gongwucang.assets.domain.depreciation import add_months, month_of
    from gongwucang.core.dates import local_today
    from gongwucang.core.memo import forget

    this_month = month_of(local_today())
    last_month = add_months(this_month, -1)
    assert [t.title for t in todo_items(world.finance)] == [f"计提 {last_month:%Y-%m} 的折旧"]
    assert inbox_count(world.clerk_sch) == 0 and inbox_count(world.auditor) == 0
    periods_open_books(actor=world.finance, region=world.region, first=last_month, last=last_month)
    forget(world.finance, "finance_todos")  # kept on the user for one request; this test reuses it
    assert todo_items(world.finance) == []
    make_asset(actor=world.clerk_sch, unit=world.SCH)
    depreciation_post(actor=world.finance, region=world.region, month=this_month)
    forget(world.finance, "finance_todos")
    assert [t.title for t in todo_items(world.finance)] == [f"结账 {this_month:%Y-%m}"]
    client.force_login(world.finance)
    with CaptureQueriesContext(connection) as home:
        html = client.get(reverse("home")).content.decode()
    assert f"结账 {this_month:%Y-%m}" in html
    # The items and the inbox badge's count come from one read of the periods (not one each).
    assert sum('FROM "accounting_period"' in q["sql"] for q in home.captured_queries) == 1


def test_admin_pages_are_read_only(client, world, books):
    from gongwucang.org.models import User

    client.force_login(User.objects.create_superuser("root", password="Root-pass-2026"))
    for name in ("period", "periodevent", "depreciationrun", "postingrequest", "depreciationbasis"):
        assert client.get(reverse(f"admin:accounting_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:accounting_{name}_add")).status_code == 403


def test_card_page_reads_the_entries_and_the_open_line_once(client, world, books):
    """The card's timeline and its panels (depreciation, pool) share one read each per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.clerk_sch)
    url = reverse("assets:detail", args=[books["sch"].pk])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert "83.32" in response.content.decode()  # November's entry, in the timeline and the panel
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "accounting_depreciationentry"' in s for s in sql) == 1
    assert sum('FROM "workflow_orderline"' in s for s in sql) == 1
