import { formatPrice } from "./format";

const prices = [120, 450, 999];
for (const price of prices {
  console.log(formatPrice(price));
}
