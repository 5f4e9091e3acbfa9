"""Loading the GB/T 14885 category tree from data/reference (re-runnable, updates in place)."""

import pytest
from django.core.management import call_command

from gongwucang.assets.categories import REFERENCE_DIR, categories_load
from gongwucang.assets.domain.reference_data import ReferenceDataError, parse_categories
from gongwucang.assets.models import Category

pytestmark = pytest.mark.django_db


def test_load_builds_the_tree_with_lives_and_flags():
    result = categories_load()
    assert result.created == Category.objects.count() > 20
    laptop = Category.objects.get(code="A02010108")
    assert (
        laptop.parent.code == "A02010100" and laptop.default_life_months == 72 and laptop.measure_unit == "台"
    )
    assert Category.objects.get(code="A05010100").default_life_months == 180  # furniture 15 years
    assert Category.objects.get(code="A02030500").default_life_months == 96  # vehicles 8 years
    assert Category.objects.get(code="A01010100").default_life_months == 600  # concrete buildings 50 years
    assert not Category.objects.get(code="A03000000").depreciable  # relics
    assert not Category.objects.get(code="A04000000").depreciable  # books and archives


def test_rerun_updates_in_place(tmp_path):
    categories_load()
    laptop = Category.objects.get(code="A02010108")
    laptop.name = "改过的名字"
    laptop.save()
    text = (REFERENCE_DIR / "categories.csv").read_text(encoding="utf-8")
    edited = tmp_path / "categories.csv"
    edited.write_text(text.replace("A02010105,台式计算机", "A02010105,台式电脑"), encoding="utf-8")
    result = categories_load(categories_csv=edited)
    assert Category.objects.get(pk=laptop.pk).name == "便携式计算机"
    assert Category.objects.get(code="A02010105").name == "台式电脑"
    assert (result.created, result.updated) == (0, 2)


def test_command_reports(capsys):
    call_command("load_categories")
    call_command("load_categories")
    assert "新增 0，更新 0" in capsys.readouterr().out


def test_malformed_file_names_the_line(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text(
        "code,name_zh,parent_code,depreciation_item_zh,depreciable\nA0201,电脑,,,1\n", encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError, match="第2行"):
        parse_categories(bad)
