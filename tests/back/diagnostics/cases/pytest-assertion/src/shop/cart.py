def total(items):
    return sum(item["price"] for item in items)


def apply_coupon(amount, percent):
    return round(amount * (1 - percent / 100))
