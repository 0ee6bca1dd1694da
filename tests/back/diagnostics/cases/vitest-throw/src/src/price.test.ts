import { expect, test } from "vitest";
import { parsePrice } from "./price";

test("parses dollars", () => {
  expect(parsePrice("$3.50")).toBe(350);
});

test("parses cents only", () => {
  expect(parsePrice("$.50")).toBe(50);
});
