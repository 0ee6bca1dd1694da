const TAX = 0.2;

function total(items) {
  const unused = items.length;
  return items.reduce((sum, item) => sum + item.price, 0) * (1 + TAX);
}

function label(items) {
  return `${items.length} items, ${formatPrice(total(items))}`;
}

module.exports = { total, label };
