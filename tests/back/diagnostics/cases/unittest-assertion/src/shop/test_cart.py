import unittest

from shop.cart import apply_coupon, total


class CartTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(total([{"price": 2}, {"price": 3}]), 5)

    def test_coupon(self):
        self.assertEqual(apply_coupon(200, 10), 190)


if __name__ == "__main__":
    unittest.main()
