function total(items) {
  return items.reduce((sum, item) => sum + item.price, 0);
}

function applyCoupon(cart, coupon) {
  return { ...cart, discount: coupon.percent / 100 };
}

module.exports = { total, applyCoupon };
