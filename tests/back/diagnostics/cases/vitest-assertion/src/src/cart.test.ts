import { describe, expect, test } from "vitest";
import { total } from "./cart";

describe("cart", () => {
  test("adds prices", () => {
    expect(total([{ price: 2 }, { price: 3 }])).toBe(6);
  });

  test("is empty", () => {
    expect(total([])).toBe(0);
  });
});
