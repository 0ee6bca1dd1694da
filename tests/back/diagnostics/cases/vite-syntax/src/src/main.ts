const items = ["apple", "pear"];

function render(list: string[]) {
  return list.map((item) => `<li>${item}</li>`).join("";
}

document.querySelector("#app")!.innerHTML = render(items);
