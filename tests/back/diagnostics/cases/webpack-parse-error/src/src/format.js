export function formatPrice(cents) {
  const dollars = cents / 100
  return `$${dollars.toFixed(2)`;
}
