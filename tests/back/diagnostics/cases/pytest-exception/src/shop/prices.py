import decimal


def parse_price(text):
    return decimal.Decimal(text.strip("$"))


def parse_all(texts):
    return [parse_price(t) for t in texts]
