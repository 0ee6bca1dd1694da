export function routes(app) {
  app.get("/health", (req, res) => {
    res.json({ ok: true }
  });
}
