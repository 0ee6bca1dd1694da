export function port(): number {
  return Number(process.env.PORT ?? 3000);
}
