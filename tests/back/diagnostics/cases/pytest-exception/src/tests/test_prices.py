from decimal import Decimal

from shop.prices import parse_all


def test_parse_all():
    assert parse_all(["$1.50", "two dollars"]) == [Decimal("1.50"), Decimal("2")]
