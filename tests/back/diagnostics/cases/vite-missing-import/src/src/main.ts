import { renderCart } from "./components/cart";

document.querySelector("#app")!.innerHTML = renderCart([]);
