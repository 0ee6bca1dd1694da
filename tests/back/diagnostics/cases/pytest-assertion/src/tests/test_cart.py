from shop.cart import apply_coupon, total


def test_total():
    assert total([{"price": 2}, {"price": 3}]) == 5


def test_coupon():
    assert apply_coupon(200, 10) == 190
