import { total } from "./cart";
import { formatPrice } from "./format";

console.log(formatPrice(total([])));
