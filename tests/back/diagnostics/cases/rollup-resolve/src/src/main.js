import { total } from "./cart.js";

console.log(total([1, 2, 3]));
