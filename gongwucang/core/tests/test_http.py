"""Ids taken from a request (core.http.id_param / id_list): anything that is not a row id is None,
never an exception — "²" passes str.isdigit() but int() refuses it, and a 20-digit number overflows
the databases' integers."""

from __future__ import annotations

import pytest

from gongwucang.core.http import MAX_ID, id_list, id_param


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (12, 12),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 20, None),
        ("0", None),
        ("-1", None),
        (" 1", None),
        ("1.5", None),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("", None),
        (None, None),
    ],
)
def test_id_param(raw, expected) -> None:  # type: ignore[no-untyped-def]
    assert id_param(raw) == expected


def test_id_list_keeps_the_ids_in_order() -> None:
    assert id_list(["3", "abc", "²", "1", "9" * 20, "3"]) == [3, 1, 3]
