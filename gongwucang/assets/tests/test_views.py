"""The asset screens' behaviour: filters, search, sorting, pages, create/edit errors, concurrency,
bulk idle with its confirmation."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from gongwucang.assets.models import Asset, AssetEvent
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db


def numbers(response):
    return re.findall(r'href="/assets/\d+/">([A-Z0-9]+-\d{4}-\d+)</a>', response.content.decode())


@pytest.fixture
def cards(world):
    c = world.clerk_sch
    return {
        "laptop": make_asset(
            actor=c,
            unit=world.SCH,
            name="笔记本电脑",
            original_value="5999.00",
            acquired_on=dt.date(2024, 5, 1),
        ),
        "desktop": make_asset(
            actor=c,
            unit=world.SCH,
            name="台式计算机",
            category_code="A02010105",
            original_value="4200.00",
            acquired_on=dt.date(2022, 1, 10),
            status="idle",
        ),
        "desk": make_asset(
            actor=c,
            unit=world.SCH,
            name="办公桌",
            category_code="A05010100",
            original_value="1800.00",
            acquired_on=dt.date(2019, 7, 1),
            condition="fair",
            department=world.SCH.departments.get(name="业务科"),
        ),
        "printer": make_asset(
            actor=c,
            unit=world.SCH,
            name="HP激光打印机",
            category_code="A02021000",
            original_value="2300.50",
            acquired_on=dt.date(2025, 2, 2),
        ),
    }


@pytest.fixture
def clerk(client, world):
    client.force_login(world.clerk_sch)
    return client


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "bjb"}, ["laptop"]),
        ({"q": "电脑"}, ["laptop"]),
        ({"q": "桌"}, ["desk"]),  # one character
        ({"q": "HP"}, ["printer"]),
        ({"q": "hp dyj"}, ["printer"]),  # every term must match
        ({"status": "idle"}, ["desktop"]),
        ({"condition": "fair"}, ["desk"]),
        ({"value_min": "2000", "value_max": "5000"}, ["desktop", "printer"]),
        ({"acquired_from": "2024-01-01", "acquired_to": "2024-12-31"}, ["laptop"]),
        ({"category": "computers"}, ["laptop", "desktop"]),  # a parent category includes its children
        ({"department": "biz"}, ["desk"]),
    ],
)
def test_filters_and_search(clerk, world, cards, params, expected):
    params = dict(params)
    if params.get("category") == "computers":
        from gongwucang.assets.models import Category

        params["category"] = Category.objects.get(code="A02010100").pk
    if params.get("department") == "biz":
        params["department"] = world.SCH.departments.get(name="业务科").pk
    response = clerk.get(reverse("assets:list"), params)
    assert response.status_code == 200
    assert sorted(numbers(response)) == sorted(cards[k].asset_no for k in expected)


def test_unit_filter_cannot_reach_outside_scope(clerk, world, cards):
    make_asset(actor=world.clerk_oth, unit=world.OTH)
    response = clerk.get(reverse("assets:list"), {"unit": world.OTH.pk})
    # An invalid choice is ignored with a message; still only the user's own cards.
    assert "（有误的条件已忽略）" in response.content.decode()
    assert sorted(numbers(response)) == sorted(c.asset_no for c in cards.values())


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("field", ["unit", "department"])
def test_unit_or_department_of_another_unit_is_refused(clerk, world, cards, field, htmx):
    """The filter form checks a chosen unit or department against the reader's scope (its
    querysets are built only when one is chosen): another unit's is ignored, on the whole page
    with a message, and in a table update (htmx) alike."""
    make_asset(actor=world.clerk_oth, unit=world.OTH)
    value = world.OTH.pk if field == "unit" else world.OTH.departments.first().pk
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = clerk.get(reverse("assets:list"), {field: value}, **headers)
    assert response.status_code == 200
    assert sorted(numbers(response)) == sorted(c.asset_no for c in cards.values())
    assert ("（有误的条件已忽略）" in response.content.decode()) is not htmx


def test_bad_filter_values_do_not_break_the_page(clerk, cards):
    response = clerk.get(
        reverse("assets:list"), {"value_min": "abc", "acquired_from": "2024-13-45", "sort": "evil"}
    )
    assert response.status_code == 200
    assert len(numbers(response)) == 4


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("original_value", ["desk", "printer", "desktop", "laptop"]),
        ("-original_value", ["laptop", "desktop", "printer", "desk"]),
        ("acquired_on", ["desk", "desktop", "laptop", "printer"]),
        ("-acquired_on", ["printer", "laptop", "desktop", "desk"]),
    ],
)
def test_sorting(clerk, cards, sort, order):
    assert numbers(clerk.get(reverse("assets:list"), {"sort": sort})) == [cards[k].asset_no for k in order]


def test_pagination(clerk, world):
    for i in range(25):
        make_asset(actor=world.clerk_sch, unit=world.SCH, name=f"椅子{i}", category_code="A05010301")
    first = clerk.get(reverse("assets:list"))
    second = clerk.get(reverse("assets:list"), {"page": 2})
    assert len(numbers(first)) == 20 and len(numbers(second)) == 5
    assert not set(numbers(first)) & set(numbers(second))
    assert "共 25 项" in first.content.decode()
    assert len(numbers(clerk.get(reverse("assets:list"), {"per_page": 50}))) == 25


def test_htmx_request_gets_only_the_table(clerk, cards):
    response = clerk.get(reverse("assets:list"), {"q": "bjb"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and cards["laptop"].asset_no in html
    # The same URL answers a page or a table: caches keep them apart.
    assert "HX-Request" in response["Vary"]
    # The table carries the filter form's sort, so a search after a header click keeps the sort.
    assert 'name="sort" value="-id" form="asset-filters"' in html


def test_htmx_history_restore_gets_the_whole_page(clerk, cards):
    """After a back button whose history cache missed, htmx asks again with HX-Request: the answer
    must be the whole page, or the table alone would replace the page's body."""
    response = clerk.get(
        reverse("assets:list"), {"q": "bjb"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" in html and cards["laptop"].asset_no in html


def test_sort_headers_and_pages_swap_the_table_only(clerk, world):
    for i in range(25):
        make_asset(actor=world.clerk_sch, unit=world.SCH, name=f"椅子{i}", category_code="A05010301")
    html = clerk.get(reverse("assets:list")).content.decode()
    assert html.count('hx-boost="true" hx-target="#asset-table"') == 2  # header row and pager
    assert html.count('name="sort"') == 1


def form_data(world, categories, **extra):
    data = {
        "owner_unit": world.SCH.pk,
        "name": "投影仪",
        "category": categories["A02020000"].pk,
        "quantity": 1,
        "acquisition_method": "purchase",
        "acquired_on": "2026-05-06",
        "booked_on": "2026-05-06",
        "funding_source": "fiscal",
        "original_value": "3500.00",
        "accumulated_depreciation": "0",
        "depreciation_method": "straight_line",
        "depreciation_status": "depreciated",
        "usage": "own_use",
        "status": "in_use",
        "condition": "good",
    }
    data.update(extra)
    return data


def test_create_registers_and_redirects_with_the_number(clerk, world, categories):
    response = clerk.post(reverse("assets:create"), form_data(world, categories), follow=True)
    asset = Asset.objects.get(name="投影仪")
    assert response.redirect_chain[-1][0] == reverse("assets:detail", args=[asset.pk])
    assert f"资产 {asset.asset_no} 已登记" in response.content.decode()
    assert asset.original_value == 3500 and asset.useful_life_months == 72
    assert AssetEvent.objects.filter(asset=asset).count() == 1


def test_create_errors_are_chinese_next_to_the_field_and_keep_input(clerk, world, categories):
    data = form_data(
        world,
        categories,
        original_value="100",
        accumulated_depreciation="200",
        booked_on="2026-01-01",
        name="",
    )
    response = clerk.post(reverse("assets:create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "累计折旧不能大于原值" in html
    assert "入账日期不能早于取得日期" in html
    assert "这个字段是必填项。" in html  # Django's own message, in Chinese
    assert 'value="200"' in html  # what was typed is kept
    assert Asset.objects.count() == 0


def test_create_cannot_target_another_unit(clerk, world, categories):
    response = clerk.post(reverse("assets:create"), form_data(world, categories, owner_unit=world.OTH.pk))
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert Asset.objects.count() == 0


def edit_data(asset, **extra):
    data = {
        "name": asset.name,
        "category": asset.category_id,
        "quantity": asset.quantity,
        "acquisition_method": asset.acquisition_method,
        "acquired_on": asset.acquired_on.isoformat(),
        "booked_on": asset.booked_on.isoformat(),
        "funding_source": asset.funding_source,
        "original_value": str(asset.original_value),
        "depreciation_method": asset.depreciation_method,
        "depreciation_status": asset.depreciation_status,
        "usage": asset.usage,
        "status": asset.status,
        "condition": asset.condition,
        "version": asset.version,
        "user_unit": asset.user_unit_id,
        "measure_unit": asset.measure_unit,
        "useful_life_months": asset.useful_life_months or "",
    }
    data.update(extra)
    return data


def test_second_concurrent_save_is_refused_with_a_clear_message(client, world, cards):
    laptop = cards["laptop"]
    # Two people opened the same card at version 1.
    first = edit_data(laptop, location="三楼")
    second = edit_data(laptop, location="四楼")
    client.force_login(world.clerk_sch)
    assert client.post(reverse("assets:edit", args=[laptop.pk]), first).status_code == 302
    response = client.post(reverse("assets:edit", args=[laptop.pk]), second)
    assert response.status_code == 200
    assert "该资产在您编辑期间已被他人修改" in response.content.decode()
    laptop.refresh_from_db()
    assert laptop.location == "三楼" and laptop.version == 2


def test_edit_shows_the_change_in_the_timeline(clerk, cards):
    laptop = cards["laptop"]
    clerk.post(reverse("assets:edit", args=[laptop.pk]), edit_data(laptop, location="档案室"))
    html = clerk.get(reverse("assets:detail", args=[laptop.pk])).content.decode()
    assert "信息变更" in html and "存放地点" in html and "档案室" in html


def test_bulk_idle_asks_first_then_acts(clerk, cards):
    ids = [cards["laptop"].pk, cards["desktop"].pk]
    confirm = clerk.post(reverse("assets:bulk_idle"), {"asset": ids})
    assert "将 2 项资产标记为闲置" in confirm.content.decode()
    assert Asset.objects.get(pk=cards["laptop"].pk).status == "in_use"  # nothing yet
    done = clerk.post(reverse("assets:bulk_idle"), {"asset": ids, "confirm": "1"}, follow=True)
    html = done.content.decode()
    assert "已将 1 项资产标记为闲置" in html and "已是闲置" in html
    assert Asset.objects.get(pk=cards["laptop"].pk).status == "idle"


def test_bulk_idle_without_selection(clerk):
    response = clerk.post(reverse("assets:bulk_idle"), {}, follow=True)
    assert "请先勾选要标记为闲置的资产" in response.content.decode()


def test_english_is_switchable(clerk, cards):
    clerk.post(reverse("set_language"), {"language": "en", "next": "/assets/"})
    html = clerk.get(reverse("assets:list")).content.decode()
    assert 'lang="en"' in html


# The timeline's loop as the template wrote it before it moved to assets.views.timeline_html
# (issue 6: 200 events spent ~30 ms in the template). The HTML must stay the same, escapes included.
TIMELINE_LOOP = """{% load i18n %}{% for row in timeline %}
        <li class="timeline-{{ row.kind }}"><div><strong>{{ row.title }}</strong>
          <span class="text-muted small">{{ row.when|date:"Y-m-d H:i" }} · {{ row.actor|default:_("系统") }}{% if row.reference %} · {{ row.reference }}{% endif %}</span></div>
          {% if row.note %}<div class="small">{{ row.note }}</div>{% endif %}
          {% for label, old, new in row.changes %}<div class="change-row"><span class="text-muted">{{ label }}</span>{% translate "：" %}{{ old }} → <strong>{{ new }}</strong></div>{% endfor %}
          {% for line in row.lines %}<div class="change-row">{{ line }}</div>{% endfor %}
        </li>
      {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_timeline_html_is_the_template_loop(clerk, world, cards, language):
    from django.template import engines
    from django.utils import translation

    from gongwucang.assets import selectors
    from gongwucang.assets.views import timeline_html, timeline_rows
    from gongwucang.core.contributions import TimelineEntry

    laptop = cards["laptop"]
    clerk.post(reverse("assets:edit", args=[laptop.pk]), edit_data(laptop, location="<b>\"&档案室'</b>"))
    noted = selectors.TimelineEvent(  # not in the ledger (append-only): a note and a reference to escape
        event_type="status_changed",
        occurred_at=dt.datetime(2026, 2, 3, 4, 5, tzinfo=dt.UTC),
        before={"status": "in_use"},
        after={"status": "idle"},
        note="<i>备注 & 说明</i>",
        reference="R<1>",
        actor="<张> & 李",
    )
    extra = TimelineEntry(
        occurred_at=dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),  # 2026-02-01 07:30 in Beijing
        title="计提 <折旧>",
        lines=["本期 <1>", "工作量 & 2"],
        actor="",
    )
    with translation.override(language):
        rows = timeline_rows([*selectors.asset_timeline(asset=laptop), noted], [extra])
        expected = engines["django"].from_string(TIMELINE_LOOP).render({"timeline": rows})
        assert str(timeline_html(rows)) == expected
    assert "&lt;b&gt;&quot;&amp;档案室&#x27;&lt;/b&gt;" in expected and "2026-02-01 07:30" in expected
    assert "&lt;i&gt;备注 &amp; 说明&lt;/i&gt;" in expected and "R&lt;1&gt;" in expected
    assert "&lt;张&gt; &amp; 李" in expected and world.clerk_sch.full_name in expected
    html = clerk.get(reverse("assets:detail", args=[laptop.pk])).content.decode()
    assert "&lt;b&gt;&quot;&amp;档案室&#x27;&lt;/b&gt;" in html and "<b>" not in html


# The list's row loop as _asset_table.html wrote it before assets.views.asset_rows_html (issue 6).
ROWS_LOOP = """{% load i18n gwc humanize %}{% for a in page.object_list %}
    <tr>
      {% if can_write %}<td><input type="checkbox" class="form-check-input" name="asset" value="{{ a.pk }}" data-bulk-item aria-label="{% blocktranslate with no=a.asset_no %}选择 {{ no }}{% endblocktranslate %}"></td>{% endif %}
      <td><a href="{% url 'assets:detail' a.pk %}">{{ a.asset_no }}</a></td>
      <td>{{ a.name }}{% if a.model_spec %} <span class="text-muted small d-none d-md-inline">{{ a.model_spec }}</span>{% endif %}</td>
      <td class="d-none d-md-table-cell">{{ a.category.name }}</td>
      <td class="d-none d-lg-table-cell">{{ a.owner_unit.display_name }}</td>
      <td class="d-none d-lg-table-cell">{{ a.department.name|default:"—" }}</td>
      <td class="d-none d-sm-table-cell">{{ a.acquired_on|date:"Y-m-d" }}</td>
      <td class="money">{{ a.book.original_value_fen|yuan }}</td>
      <td class="money d-none d-sm-table-cell">{{ a.book.net_value_fen|yuan }}</td>
      <td>{% status_tag a.status a.get_status_display %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="10" class="text-center text-muted py-4">{% translate "没有符合条件的资产。可以减少筛选条件，或用拼音首字母搜索（如 bjb 找笔记本）。" %}</td></tr>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("can_write", [True, False])
def test_asset_rows_html_is_the_template_loop(world, cards, can_write):
    from django.template import engines
    from django.utils import translation

    from gongwucang.assets import selectors
    from gongwucang.assets.views import asset_rows_html

    laptop = cards["laptop"]
    Asset.objects.filter(pk=laptop.pk).update(
        name="<b>\"笔记本&'</b>", model_spec="<i>X1</i>", department=None
    )
    from gongwucang.assets.models import AssetBook
    from gongwucang.org.models import Unit

    # A net value that differs from the original (AssetRow.net_value_fen against the book's).
    AssetBook.objects.filter(asset=cards["desktop"]).update(accumulated_depreciation_fen=123456)

    # The unit is shown by its short name, by its name when it has none (the rows' subquery).
    for language, short_name in (("zh-hans", "中心小学"), ("en", ""), ("zh-hans", "")):
        Unit.objects.filter(pk=world.SCH.pk).update(short_name=short_name)
        with translation.override(language):
            qs = selectors.asset_list(actor=world.clerk_sch, filters=selectors.AssetFilters())
            page = selectors.asset_page(qs, sort="-id", size=20, after="", before="", last=False, number=1)
            # The loop ran over the page's cards as model objects; the page now holds AssetRow.
            cards_by_id = Asset.objects.select_related("book", "department").in_bulk(
                [row.pk for row in page.object_list]
            )
            shown = {"object_list": [cards_by_id[row.pk] for row in page.object_list]}
            context = {"page": shown, "can_write": can_write}
            expected = engines["django"].from_string(ROWS_LOOP).render(context)
            assert str(asset_rows_html(page.object_list, can_write)) == expected
    assert "&lt;b&gt;&quot;笔记本&amp;&#x27;&lt;/b&gt;" in expected and "&lt;i&gt;X1&lt;/i&gt;" in expected
    assert "2,965.44" in expected  # 4,200.00 − 1,234.56


def test_list_rows_escape_every_user_supplied_field(clerk, world, cards):
    """The rows are written in Python (asset_rows_html): a name, number, model, category, unit
    or department holding markup is shown as text on the list and the card, never run."""
    from gongwucang.assets.models import Category
    from gongwucang.org.models import Department, Unit

    evil = "<script>alert(1)</script>"
    laptop = cards["laptop"]
    department = Department.objects.create(unit=world.SCH, name=f"{evil}科")
    Asset.objects.filter(pk=laptop.pk).update(
        name=f"{evil}电脑", model_spec='"><img src=x onerror=alert(2)>', department=department
    )
    Unit.objects.filter(pk=world.SCH.pk).update(short_name=f"{evil}单位")
    Category.objects.filter(pk=laptop.category_id).update(name=f"{evil}分类")
    html = clerk.get(reverse("assets:list")).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for shown in (f"{escaped}电脑", f"{escaped}科", f"{escaped}单位", f"{escaped}分类"):
        assert shown in html, shown
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    card = clerk.get(reverse("assets:detail", args=[laptop.pk])).content.decode()
    assert "<script>alert" not in card and f"{escaped}电脑" in card


def test_filter_options_are_the_readers_own_escaped_and_keep_the_choice(client, world):
    """The filter bar's drop-downs (FastSelect: one string join, the standard library's escaping):
    a clerk sees their own unit and its departments, never another unit's; names are escaped; the
    chosen option stays selected."""
    world.SCH.name = '中心小学 <b>"甲&乙"</b>'
    world.SCH.save()
    client.force_login(world.clerk_sch)
    department = world.SCH.departments.get(name="办公室")
    html = client.get(
        reverse("assets:list"), {"department": department.pk, "status": "idle"}
    ).content.decode()
    unit_select = re.search(r'<select[^>]*name="unit".*?</select>', html, re.S).group(0)
    assert (
        f'<option value="{world.SCH.pk}">中心小学 &lt;b&gt;&quot;甲&amp;乙&quot;&lt;/b&gt;</option>'
        in unit_select
    )
    assert world.OTH.name not in html and "<b>" not in unit_select
    assert '<option value="" selected>全部单位</option>' in unit_select  # no unit chosen
    department_select = re.search(r'<select[^>]*name="department".*?</select>', html, re.S).group(0)
    assert f'<option value="{department.pk}" selected>' in department_select
    assert department_select.count("<option") == 3  # 全部部门 + the unit's two departments
    assert '<option value="idle" selected>' in html


def test_a_region_wide_reader_picks_a_unit_before_its_departments(client, world):
    client.force_login(world.finance)
    html = client.get(reverse("assets:list")).content.decode()
    unit_select = re.search(r'<select[^>]*name="unit".*?</select>', html, re.S).group(0)
    assert all(f'<option value="{unit.pk}">' in unit_select for unit in world.units.values())
    department_select = re.search(r'<select[^>]*name="department".*?</select>', html, re.S).group(0)
    assert department_select.count("<option") == 1 and "先选单位" in department_select
    html = client.get(reverse("assets:list"), {"unit": world.CLN.pk}).content.decode()
    department_select = re.search(r'<select[^>]*name="department".*?</select>', html, re.S).group(0)
    assert department_select.count("<option") == 3


def test_region_wide_list_names_each_rows_own_unit_and_category(
    client, world, cards, django_assert_num_queries
):
    """The list reads the page's category and unit names in one statement after the rows
    (selectors._attach_names): on a page of several units and categories each row gets its own."""
    from gongwucang.assets import selectors
    from gongwucang.org.models import Unit

    Unit.objects.filter(pk=world.OTH.pk).update(short_name="")
    other = make_asset(actor=world.clerk_oth, unit=world.OTH, name="拖拉机", category_code="A02010104")
    qs = selectors.asset_list(actor=world.finance, filters=selectors.AssetFilters())
    with django_assert_num_queries(2):  # the rows, then their names
        page = selectors.asset_page(qs, sort="-id", size=20)
    shown = {a.pk: (a.category_name, a.owner_unit_name) for a in page.object_list}
    expected = {
        a.pk: (a.category.name, a.owner_unit.display_name) for a in Asset.objects.filter(pk__in=shown)
    }
    assert shown == expected and len(shown) == len(cards) + 1
    assert shown[other.pk] == (other.category.name, world.OTH.name)
    assert {unit for _c, unit in shown.values()} == {world.SCH.display_name, world.OTH.name}
    assert len({category for category, _u in shown.values()}) >= 2
    with django_assert_num_queries(0):  # an empty page (qs.none() runs no query) asks for no names
        assert selectors.asset_page(qs.none(), sort="-id", size=20).object_list == []


def test_sort_headers_toggle_keep_the_filters_and_restart_at_page_one(clerk, cards):
    """A header sorts by its column, or reverses the order when the list is sorted by it already;
    the arrow and aria-sort say the order; filters stay, the page position is dropped."""
    html = clerk.get(
        reverse("assets:list"), {"sort": "name", "status": "in_use", "page": "3", "after": "x"}
    ).content.decode()
    headers = dict(re.findall(r'<th scope="col"[^>]*>\s*<a href="\?([^"]*)"[^>]*>([^<]*)</a></th>', html))
    by_label = {label.rstrip(" ▲▼"): query.replace("&amp;", "&") for query, label in headers.items()}
    assert by_label["资产名称"] == "sort=-name&status=in_use"  # sorted by name: the link reverses
    assert by_label["资产编号"] == "sort=asset_no&status=in_use"
    assert by_label["原值"] == "sort=original_value&status=in_use"
    name_th = re.search(r'<th scope="col" class=""( aria-sort="[a-z]+")?>\s*<a[^>]*>资产名称 ▲</a>', html)
    assert name_th and name_th.group(1) == ' aria-sort="ascending"'
    assert '<th scope="col" class="money">' in html  # the value column, right-aligned
    assert html.count("aria-sort=") == 1
    reversed_html = clerk.get(reverse("assets:list"), {"sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in reversed_html and "资产名称 ▼" in reversed_html
    assert "?sort=name" in reversed_html
    english = clerk.get(reverse("assets:list"), {"sort": "status"}, HTTP_ACCEPT_LANGUAGE="en").content
    assert b"&lt;" not in english.split(b"<thead", 1)[1].split(b"</thead>", 1)[0]


def test_the_timeline_names_a_status_not_its_code(clerk, cards):
    """资产状态：在用 → 闲置 on the card, not in_use → idle (assets.ledger.LedgerWording)."""
    laptop = cards["laptop"]
    clerk.post(reverse("assets:bulk_idle"), {"asset": [laptop.pk], "confirm": "1", "note": "不再使用"})
    html = clerk.get(reverse("assets:detail", args=[laptop.pk])).content.decode()
    assert "资产状态</span>：在用 → <strong>闲置</strong>" in html
    assert "in_use" not in html
