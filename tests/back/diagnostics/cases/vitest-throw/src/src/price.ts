export function parsePrice(text: string): number {
  const match = /^\$(\d+)\.(\d{2})$/.exec(text);
  return Number(match![1]) * 100 + Number(match![2]);
}
