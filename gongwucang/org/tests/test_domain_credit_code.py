"""统一社会信用代码 check digit (GB 32100-2015)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongwucang.org.domain.credit_code import (
    ALPHABET,
    WEIGHTS,
    check_character,
    credit_code_error,
    is_valid_credit_code,
)

# Published codes of real organisations (public registers).
KNOWN_VALID = ["91350100M000100Y43", "11100000000013127D", "12100000400000624D"]


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    assert credit_code_error(code) is None


def test_worked_example_by_hand():
    # 91350100M000100Y4: values 9,1,3,5,0,1,0,0,21(M),0,0,0,1,0,0,30(Y),4 times weights 1,3,9,…
    # sum to 1640; 1640 mod 31 = 28; 31 − 28 = 3 → check character '3'.
    body = "91350100M000100Y4"
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    assert (total, total % 31) == (1640, 28)
    assert check_character(body) == "3"


def test_wrong_check_digit_names_the_right_one():
    assert credit_code_error("91350100M000100Y44") == "统一社会信用代码校验位错误（应为 3）"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9135010", "统一社会信用代码应为18位"),
        ("91350100M000100I43", "统一社会信用代码含有无效字符：I"),
        ("91350100m000100Y43", "统一社会信用代码含有无效字符：m"),
    ],
)
def test_malformed_codes_are_explained(code, message):
    assert credit_code_error(code) == message


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_any_body_with_its_check_character_is_valid_and_every_other_is_not(body):
    good = check_character(body)
    assert is_valid_credit_code(body + good)
    for other in ALPHABET:
        if other != good:
            assert not is_valid_credit_code(body + other)
