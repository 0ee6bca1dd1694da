const { total, applyCoupon } = require("./cart");

test("adds prices", () => {
  expect(total([{ price: 2 }, { price: 3 }])).toBe(5);
});

test("applies no coupon", () => {
  expect(applyCoupon({ items: [] }, undefined).discount).toBe(0);
});
