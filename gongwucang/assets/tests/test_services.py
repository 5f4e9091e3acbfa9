"""Asset services: each change writes exactly one ledger event; a refused change writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from gongwucang.assets.domain.choices import AssetStatus
from gongwucang.assets.domain.events import EventType
from gongwucang.assets.exceptions import AssetNotWritable, ConcurrentEditError
from gongwucang.assets.models import Asset, AssetAttachment, AssetBook, AssetEvent, AssetNumberSequence
from gongwucang.assets.services import (
    asset_apply_change,
    asset_attach_file,
    asset_register,
    asset_update,
    assets_mark_idle,
    next_asset_no,
)
from gongwucang.core.dates import local_today
from gongwucang.core.testing import make_asset

pytestmark = pytest.mark.django_db


def counts():
    return Asset.objects.count(), AssetBook.objects.count(), AssetEvent.objects.count()


def values(categories, **extra):
    data = {
        "name": "笔记本电脑",
        "category": categories["A02010108"],
        "acquired_on": dt.date(2026, 3, 15),
        "booked_on": dt.date(2026, 3, 15),
    }
    data.update(extra)
    return data


class TestRegister:
    def test_registers_card_book_and_one_event(self, world, categories):
        asset = asset_register(
            actor=world.clerk_sch,
            owner_unit=world.SCH,
            values=values(categories),
            original_value=Decimal("5999.00"),
            accumulated_depreciation=Decimal("83.32"),
            months_depreciated=1,
        )
        year = local_today().year
        assert asset.asset_no == f"{world.SCH.code}-{year}-000001"
        assert asset.user_unit == world.SCH and asset.region == world.region
        assert asset.measure_unit == "台"  # from the category
        assert asset.useful_life_months == 72  # 计算机设备 6 years
        assert asset.net_value == Decimal("5915.68")
        assert "bjbdn" in asset.search_text
        events = list(AssetEvent.objects.filter(asset=asset))
        assert len(events) == 1
        event = events[0]
        assert event.event_type == EventType.REGISTERED and event.actor == world.clerk_sch
        assert event.before == {} and event.after["original_value_fen"] == "5999.00"
        assert event.after["category"]["text"] == "A02010108 便携式计算机"

    def test_not_depreciated_category_sets_status(self, world, categories):
        asset = asset_register(
            actor=world.clerk_sch,
            owner_unit=world.SCH,
            values=values(categories, name="档案", category=categories["A04000000"]),
            original_value="100.00",
        )
        assert asset.depreciation_status == "not_depreciated" and asset.useful_life_months is None

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            (
                {"accumulated_depreciation": Decimal("6000.00")},
                "accumulated_depreciation",
                "累计折旧不能大于原值",
            ),
            ({"original_value": Decimal("-1")}, "original_value", "金额不能为负数"),
            ({"original_value": "1.234"}, "original_value", "金额最多两位小数"),
            ({"values_extra": {"booked_on": dt.date(2026, 3, 1)}}, "booked_on", "入账日期不能早于取得日期"),
            ({"values_extra": {"quantity": 0}}, "quantity", "数量至少为 1"),
            (
                {"values_extra": {"status": AssetStatus.IN_WAREHOUSE}},
                "status",
                "新登记的资产状态不能是「在仓」",
            ),
            ({"values_extra": {"name": ""}}, "name", None),
        ],
    )
    def test_bad_input_is_refused_with_a_field_message_and_writes_nothing(
        self, world, categories, kwargs, field, message
    ):
        before = counts()
        call = {"original_value": Decimal("5999.00")}
        call.update({k: v for k, v in kwargs.items() if k != "values_extra"})
        with pytest.raises(ValidationError) as exc:
            asset_register(
                actor=world.clerk_sch,
                owner_unit=world.SCH,
                values=values(categories, **kwargs.get("values_extra", {})),
                **call,
            )
        assert field in exc.value.message_dict
        if message:
            assert message in exc.value.message_dict[field][0]
        assert counts() == before

    def test_department_of_another_unit_is_refused(self, world, categories):
        other_dept = world.OTH.departments.first()
        with pytest.raises(ValidationError) as exc:
            asset_register(
                actor=world.clerk_sch,
                owner_unit=world.SCH,
                values=values(categories, department=other_dept),
                original_value="1.00",
            )
        assert exc.value.message_dict["department"] == ["使用部门不属于使用单位"]

    @pytest.mark.parametrize(
        "who", ["clerk_oth", "head_sch", "supervisor", "finance", "auditor", "admin", "nobody"]
    )
    def test_only_a_writer_of_the_unit_may_register(self, world, categories, who):
        before = counts()
        with pytest.raises(AssetNotWritable):
            asset_register(
                actor=getattr(world, who),
                owner_unit=world.SCH,
                values=values(categories),
                original_value="1.00",
            )
        assert counts() == before

    def test_numbers_are_never_reused_and_skip_taken_ones(self, world, categories):
        year = local_today().year
        taken = f"{world.SCH.code}-{year}-000002"
        make_asset(actor=world.clerk_sch, unit=world.SCH)  # 000001
        asset_register(
            actor=world.clerk_sch,
            owner_unit=world.SCH,
            values=values(categories),
            original_value="1.00",
            asset_no=taken,
        )  # an imported number of the same shape
        third = make_asset(actor=world.clerk_sch, unit=world.SCH)
        assert third.asset_no == f"{world.SCH.code}-{year}-000003"
        # A failed registration consumes no number; the counter only ever moves forward.
        with pytest.raises(ValidationError):
            asset_register(
                actor=world.clerk_sch,
                owner_unit=world.SCH,
                values=values(categories, name=""),
                original_value="1.00",
            )
        assert AssetNumberSequence.objects.get(unit=world.SCH, year=year).last_value == 3
        with transaction.atomic():
            assert next_asset_no(unit=world.SCH, year=year) == f"{world.SCH.code}-{year}-000004"

    def test_duplicate_number_is_refused(self, world, categories):
        first = make_asset(actor=world.clerk_sch, unit=world.SCH)
        with pytest.raises(ValidationError) as exc:
            asset_register(
                actor=world.clerk_sch,
                owner_unit=world.SCH,
                values=values(categories),
                original_value="1.00",
                asset_no=first.asset_no,
            )
        assert "asset_no" in exc.value.message_dict


class TestUpdate:
    def test_edit_writes_one_event_with_only_the_changes(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        asset_update(
            actor=world.clerk_sch,
            asset_id=asset.pk,
            expected_version=1,
            values={"location": "三楼机房", "status": AssetStatus.IDLE},
            original_value="6100.00",
        )
        asset.refresh_from_db()
        assert (
            asset.version == 2 and asset.location == "三楼机房" and asset.original_value == Decimal("6100.00")
        )
        event = AssetEvent.objects.filter(asset=asset).order_by("-id").first()
        assert AssetEvent.objects.filter(asset=asset).count() == 2
        assert event.event_type == EventType.UPDATED
        assert event.before == {"location": "", "status": "in_use", "original_value_fen": "5999.00"}
        assert event.after == {"location": "三楼机房", "status": "idle", "original_value_fen": "6100.00"}

    def test_status_only_is_a_status_event(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        asset_update(actor=world.clerk_sch, asset_id=asset.pk, expected_version=1, values={"status": "idle"})
        assert AssetEvent.objects.filter(asset=asset).latest("id").event_type == EventType.STATUS_CHANGED

    def test_no_change_no_event_no_version(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH, location="一楼")
        asset_update(
            actor=world.clerk_sch, asset_id=asset.pk, expected_version=1, values={"location": "一楼"}
        )
        asset.refresh_from_db()
        assert asset.version == 1 and AssetEvent.objects.filter(asset=asset).count() == 1

    def test_stale_version_is_refused_and_nothing_is_written(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        asset_update(actor=world.clerk_sch, asset_id=asset.pk, expected_version=1, values={"location": "A"})
        with pytest.raises(ConcurrentEditError) as exc:
            asset_update(
                actor=world.clerk_sch, asset_id=asset.pk, expected_version=1, values={"location": "B"}
            )
        assert "已被他人修改" in exc.value.messages[0]
        asset.refresh_from_db()
        assert asset.location == "A" and asset.version == 2
        assert AssetEvent.objects.filter(asset=asset).count() == 2

    def test_value_below_accumulated_is_refused(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH, accumulated="1000.00")
        with pytest.raises(ValidationError) as exc:
            asset_update(
                actor=world.clerk_sch,
                asset_id=asset.pk,
                expected_version=1,
                values={},
                original_value="999.99",
            )
        assert exc.value.message_dict["original_value"] == ["原值不能小于累计折旧"]
        assert AssetBook.objects.get(asset=asset).original_value_fen == 599900

    def test_order_only_status_is_refused_by_hand(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        with pytest.raises(ValidationError) as exc:
            asset_update(
                actor=world.clerk_sch,
                asset_id=asset.pk,
                expected_version=1,
                values={"status": AssetStatus.IN_WAREHOUSE},
            )
        assert "请通过相应单据办理" in exc.value.message_dict["status"][0]
        assert AssetEvent.objects.filter(asset=asset).count() == 1

    @pytest.mark.parametrize("who", ["clerk_oth", "head_sch", "supervisor", "finance", "auditor"])
    def test_only_writers_of_the_unit_may_edit(self, world, who):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        with pytest.raises(AssetNotWritable):
            asset_update(
                actor=getattr(world, who), asset_id=asset.pk, expected_version=1, values={"location": "x"}
            )
        assert AssetEvent.objects.filter(asset=asset).count() == 1

    def test_disposed_card_cannot_change(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        asset_apply_change(
            actor=world.clerk_sch,
            asset_id=asset.pk,
            values={"status": "pending_disposal"},
            event_type=EventType.STATUS_CHANGED,
        )
        asset_apply_change(
            actor=world.clerk_sch,
            asset_id=asset.pk,
            values={"status": "disposed", "disposal_method": "scrap"},
            event_type=EventType.DISPOSED,
        )
        with pytest.raises(ValidationError, match="已处置"):
            asset_update(
                actor=world.clerk_sch, asset_id=asset.pk, expected_version=3, values={"location": "x"}
            )


class TestApplyChange:
    def test_title_moves_with_one_event_carrying_the_reference(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH, status=AssetStatus.IDLE)
        asset_apply_change(
            actor=world.keeper,
            asset_id=asset.pk,
            values={"status": AssetStatus.IN_WAREHOUSE, "owner_unit": world.WH, "user_unit": world.WH},
            event_type=EventType.INTAKE_RECEIVED,
            reference="RC-2026-000001",
        )
        event = AssetEvent.objects.filter(asset=asset).latest("id")
        assert event.event_type == EventType.INTAKE_RECEIVED and event.reference == "RC-2026-000001"
        assert (
            event.before["owner_unit"]["id"] == world.SCH.pk
            and event.after["owner_unit"]["id"] == world.WH.pk
        )
        assert AssetEvent.objects.filter(asset=asset).count() == 2

    def test_no_field_change_still_leaves_the_order_trace(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        asset_apply_change(
            actor=world.clerk_sch,
            asset_id=asset.pk,
            values={},
            event_type=EventType.INTAKE_REQUESTED,
            reference="RC-2026-000009",
        )
        assert AssetEvent.objects.filter(asset=asset, reference="RC-2026-000009").count() == 1

    def test_transition_table_applies(self, world):
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        with pytest.raises(ValidationError):
            asset_apply_change(
                actor=world.keeper,
                asset_id=asset.pk,
                values={"status": AssetStatus.DISPOSED},
                event_type=EventType.DISPOSED,
            )
        assert AssetEvent.objects.filter(asset=asset).count() == 1


class TestBulkIdle:
    def test_marks_in_use_skips_others_one_event_each(self, world):
        a = make_asset(actor=world.clerk_sch, unit=world.SCH)
        b = make_asset(actor=world.clerk_sch, unit=world.SCH)
        c = make_asset(actor=world.clerk_sch, unit=world.SCH, status=AssetStatus.IDLE)
        d = make_asset(actor=world.clerk_sch, unit=world.SCH, status=AssetStatus.UNDER_REPAIR)
        result = assets_mark_idle(actor=world.clerk_sch, asset_ids=[a.pk, b.pk, c.pk, d.pk])
        assert sorted(result.changed) == sorted([a.asset_no, b.asset_no])
        assert dict(result.skipped) == {
            c.asset_no: "已是闲置",
            d.asset_no: "状态为「维修中」，不能直接标记闲置",
        }
        assert AssetEvent.objects.filter(event_type=EventType.STATUS_CHANGED).count() == 2

    def test_any_foreign_card_refuses_the_whole_batch(self, world):
        mine = make_asset(actor=world.clerk_sch, unit=world.SCH)
        theirs = make_asset(actor=world.clerk_oth, unit=world.OTH)
        with pytest.raises(AssetNotWritable):
            assets_mark_idle(actor=world.clerk_sch, asset_ids=[mine.pk, theirs.pk])
        mine.refresh_from_db()
        assert mine.status == AssetStatus.IN_USE
        assert AssetEvent.objects.count() == 2


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class TestAttachments:
    def test_photo_is_stored_with_one_event(self, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        upload = SimpleUploadedFile("照片.png", PNG, content_type="image/png")
        attachment = asset_attach_file(
            actor=world.clerk_sch, asset_id=asset.pk, kind="photo", uploaded=upload
        )
        assert attachment.content_type == "image/png" and attachment.size_bytes == len(PNG)
        assert attachment.file.name.startswith(f"assets/{asset.pk}/") and attachment.file.name.endswith(
            ".png"
        )
        assert (tmp_path / attachment.file.name).read_bytes() == PNG
        assert AssetEvent.objects.filter(asset=asset, event_type=EventType.ATTACHMENT_ADDED).count() == 1

    def test_fake_image_is_refused_and_nothing_written(self, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        upload = SimpleUploadedFile("virus.png", b"MZ" + b"\0" * 64, content_type="image/png")
        with pytest.raises(ValidationError) as exc:
            asset_attach_file(actor=world.clerk_sch, asset_id=asset.pk, kind="photo", uploaded=upload)
        assert "不支持的文件类型" in exc.value.message_dict["file"][0]
        assert AssetAttachment.objects.count() == 0 and list(tmp_path.rglob("*.*")) == []
        assert AssetEvent.objects.filter(asset=asset).count() == 1

    def test_too_big_is_refused(self, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        settings.ATTACHMENT_MAX_PHOTO_BYTES = 32
        asset = make_asset(actor=world.clerk_sch, unit=world.SCH)
        with pytest.raises(ValidationError, match="文件过大"):
            asset_attach_file(
                actor=world.clerk_sch,
                asset_id=asset.pk,
                kind="photo",
                uploaded=SimpleUploadedFile("a.png", PNG),
            )
