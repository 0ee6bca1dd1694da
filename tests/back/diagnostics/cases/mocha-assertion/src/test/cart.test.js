const assert = require("node:assert");
const { total } = require("../src/cart");

describe("cart", function () {
  it("adds prices", function () {
    assert.strictEqual(total([{ price: 2 }, { price: 3 }]), 6);
  });

  it("is empty", function () {
    assert.strictEqual(total([]), 0);
  });
});
