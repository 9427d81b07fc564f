from decimal import Decimal

import pytest

from etl.values import looks_like_value, parse_value, to_wan_yuan


@pytest.mark.parametrize(
    "raw, value",
    [
        ("0", Decimal("0")),
        ("12", Decimal("12")),
        (" 12 ", Decimal("12")),
        ("１２", Decimal("12")),  # full-width digits
        ("+3", Decimal("3")),
        ("＋３", Decimal("3")),
        ("-40", Decimal("-40")),
        ("－４０", Decimal("-40")),  # full-width minus and digits
        ("−5", Decimal("-5")),  # U+2212 minus sign
        ("1,234", Decimal("1234")),
        ("8,087,315", Decimal("8087315")),
        ("1.5", Decimal("1.5")),
    ],
)
def test_counts_and_signs(raw, value):
    parsed = parse_value(raw)
    assert parsed.value == value
    assert parsed.unit is None
    assert parsed.understood is True


@pytest.mark.parametrize(
    "raw, value, unit",
    [
        ("6834.335元", Decimal("6834.335"), "元"),
        ("594417.23万元", Decimal("594417.23"), "万元"),
        ("251000元", Decimal("251000"), "元"),
        ("1,200万元", Decimal("1200"), "万元"),
    ],
)
def test_money_keeps_its_printed_unit(raw, value, unit):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.unit, parsed.understood) == (value, unit, True)


@pytest.mark.parametrize("raw", ["", "-", "—", "/", "无", "\xa0", "  ", "——"])
def test_blank_marks_are_unknown_but_understood(raw):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.unit, parsed.understood) == (None, None, True)


def test_none_is_blank():
    assert parse_value(None).value is None
    assert parse_value(None).understood is True


@pytest.mark.parametrize("raw", ["约5件", "5件", "1,23", "12a", "三", "1.2千元"])
def test_garbage_is_not_understood(raw):
    parsed = parse_value(raw)
    assert parsed.value is None
    assert parsed.understood is False


def test_to_wan_yuan_converts_yuan():
    assert to_wan_yuan(Decimal("251000"), "元") == Decimal("25.1")
    assert str(to_wan_yuan(Decimal("251000"), "元")) == "25.1"  # no padding zeros
    assert to_wan_yuan(Decimal("6834.335"), "元") == Decimal("0.6834335")
    assert str(to_wan_yuan(Decimal("100000"), "元")) == "10"  # not "1E+1"


def test_to_wan_yuan_keeps_wan_yuan_and_none():
    assert to_wan_yuan(Decimal("594417.23"), "万元") == Decimal("594417.23")
    assert to_wan_yuan(Decimal("12.5"), None) == Decimal("12.5")  # 万元 implied
    assert to_wan_yuan(None, "元") is None
    assert to_wan_yuan(None, "万元") is None


@pytest.mark.parametrize("raw", ["0", "-29", "+3", "594417.23万元", "251000元", "", "\xa0", "/", "无"])
def test_looks_like_value_true(raw):
    assert looks_like_value(raw) is True


@pytest.mark.parametrize("raw", ["规章", "本年增/减", "约5件", "其他", "总计", "(七)总计"])
def test_looks_like_value_false(raw):
    assert looks_like_value(raw) is False


def test_money_in_yi_yuan_is_converted_to_wan_yuan():
    parsed = parse_value("1.2亿元")
    assert (parsed.value, parsed.unit) == (Decimal("1.2"), "亿元")
    assert to_wan_yuan(parsed.value, parsed.unit) == Decimal("12000")
