import { formatPrice } from "./format";
import { total } from "./cart";

console.log(formatPrice(total([])));
