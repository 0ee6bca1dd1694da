const js = require("@eslint/js");

module.exports = [
  js.configs.recommended,
  {
    languageOptions: { sourceType: "commonjs", globals: { console: "readonly", module: "writable", require: "readonly" } },
    rules: { "no-unused-vars": "warn" },
  },
];
