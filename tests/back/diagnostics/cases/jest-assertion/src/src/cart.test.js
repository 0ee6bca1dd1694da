const { total, applyCoupon } = require("./cart");

describe("cart", () => {
  test("adds prices", () => {
    expect(total([{ price: 2 }, { price: 3 }])).toBe(6);
  });

  test("applies a coupon", () => {
    expect(applyCoupon({ items: [] }, { percent: 10 }).discount).toBe(0.1);
  });
});
