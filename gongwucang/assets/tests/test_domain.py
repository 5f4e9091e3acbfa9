"""Pure rules of the asset card: status transitions, asset numbers, search keys, attachments, money."""

from decimal import Decimal

import pytest

from gongwucang.assets.domain.asset_numbers import format_asset_no, is_generated_asset_no
from gongwucang.assets.domain.attachments import AttachmentRejected, check_attachment
from gongwucang.assets.domain.choices import AssetStatus as S
from gongwucang.assets.domain.search_keys import build_search_text, pinyin_initials
from gongwucang.assets.domain.status import (
    MANUAL_TRANSITIONS,
    TRANSITIONS,
    StatusTransitionError,
    can_transition,
    check_transition,
    manual_targets,
)
from gongwucang.core.money import MoneyError, fen_to_yuan, format_yuan, round_yuan, yuan_to_fen


class TestStatusTransitions:
    def test_every_status_has_a_row(self):
        assert set(TRANSITIONS) == set(S.values)

    def test_disposed_is_final(self):
        assert TRANSITIONS[S.DISPOSED] == frozenset()
        for target in S.values:
            if target != S.DISPOSED:
                with pytest.raises(StatusTransitionError):
                    check_transition(S.DISPOSED, target)

    def test_only_pending_disposal_leads_to_disposed(self):
        assert [s for s in S.values if can_transition(s, S.DISPOSED)] == [S.PENDING_DISPOSAL]

    def test_manual_moves_are_a_subset_of_the_table(self):
        for current, target in MANUAL_TRANSITIONS:
            assert can_transition(current, target)

    def test_in_use_to_idle_is_a_manual_move(self):
        check_transition(S.IN_USE, S.IDLE, manual=True)

    def test_into_the_pool_needs_an_order(self):
        check_transition(S.IDLE, S.IN_WAREHOUSE)  # allowed for the intake service
        with pytest.raises(StatusTransitionError, match="请通过相应单据办理"):
            check_transition(S.IDLE, S.IN_WAREHOUSE, manual=True)

    def test_impossible_move_is_explained_in_chinese(self):
        with pytest.raises(StatusTransitionError) as exc:
            check_transition(S.ON_LOAN, S.LEASED)
        assert str(exc.value) == "资产状态不能从「借出」直接改为「出租」"

    def test_same_status_is_no_move(self):
        check_transition(S.DISPOSED, S.DISPOSED, manual=True)

    def test_manual_targets_start_with_current(self):
        assert manual_targets(S.IN_USE) == [S.IN_USE, S.IDLE, S.UNDER_REPAIR]
        assert manual_targets(S.IN_WAREHOUSE) == [S.IN_WAREHOUSE]


class TestAssetNumbers:
    def test_format(self):
        assert format_asset_no("qsdz", 2026, 123) == "QSDZ-2026-000123"
        assert is_generated_asset_no("QSDZ-2026-000123")
        assert format_asset_no("A1", 2026, 1234567) == "A1-2026-1234567"

    @pytest.mark.parametrize(("code", "seq"), [("QS-1", 1), ("", 1), ("QSDZ", 0)])
    def test_refuses_bad_parts(self, code, seq):
        with pytest.raises(ValueError):
            format_asset_no(code, 2026, seq)


class TestSearchKeys:
    def test_pinyin_initials(self):
        assert pinyin_initials("笔记本电脑") == "bjbdn"
        assert pinyin_initials("HP激光打印机") == "hpjgdyj"

    def test_search_text_holds_name_number_and_initials(self):
        text = build_search_text("笔记本电脑", "QSDZ-2026-000001", "ThinkPad E14", "联想")
        assert "笔记本电脑" in text and "bjbdn" in text and "qsdz-2026-000001" in text
        assert "thinkpad e14" in text and "lx" in text


class TestAttachments:
    PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8

    def test_png_photo_accepted(self):
        checked = check_attachment(kind="photo", filename="a.PNG", size=100, head=self.PNG, max_bytes=1000)
        assert (checked.content_type, checked.extension) == ("image/png", "png")

    def test_renamed_executable_refused(self):
        with pytest.raises(AttachmentRejected, match="不支持的文件类型"):
            check_attachment(
                kind="photo", filename="x.jpg", size=100, head=b"MZ\x90\x00" + b"\0" * 12, max_bytes=1000
            )

    def test_pdf_is_not_a_photo(self):
        with pytest.raises(AttachmentRejected):
            check_attachment(
                kind="photo", filename="x.pdf", size=100, head=b"%PDF-1.7" + b"\0" * 8, max_bytes=1000
            )
        assert (
            check_attachment(
                kind="document", filename="x.pdf", size=100, head=b"%PDF-1.7" + b"\0" * 8, max_bytes=1000
            ).content_type
            == "application/pdf"
        )

    def test_zip_only_as_office_document(self):
        head = b"PK\x03\x04" + b"\0" * 12
        assert (
            check_attachment(
                kind="document", filename="台账.xlsx", size=10, head=head, max_bytes=100
            ).extension
            == "xlsx"
        )
        with pytest.raises(AttachmentRejected, match="Office"):
            check_attachment(kind="document", filename="bomb.zip", size=10, head=head, max_bytes=100)

    def test_size_limits(self):
        with pytest.raises(AttachmentRejected, match="文件过大"):
            check_attachment(
                kind="photo", filename="a.png", size=2_000_000, head=self.PNG, max_bytes=1_000_000
            )
        with pytest.raises(AttachmentRejected, match="空"):
            check_attachment(kind="photo", filename="a.png", size=0, head=b"", max_bytes=1_000_000)


class TestMoney:
    def test_round_trip(self):
        assert yuan_to_fen("5,999.00") == 599900
        assert fen_to_yuan(599900) == Decimal("5999.00")
        assert format_yuan(1234567) == "¥12,345.67"
        assert format_yuan(-5) == "-¥0.05"

    def test_half_up(self):
        assert round_yuan(Decimal("0.005")) == Decimal("0.01")
        assert round_yuan(Decimal("0.125")) == Decimal("0.13")  # half-even gives 0.12

    @pytest.mark.parametrize("bad", ["abc", "1.234", "NaN", "Infinity", ""])
    def test_refuses_bad_amounts(self, bad):
        with pytest.raises(MoneyError):
            yuan_to_fen(bad)
