// Lint rules for the module's TypeScript: the recommended sets, type-aware only where it pays
// (floating promises lose stage failures silently).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // tests/e2e/rig/typescript-sdk-runtime/files: TypeScript the rig's SDK runtime serves to modules, not part of this project.
  {
    ignores: [
      "node_modules/",
      "sdk/",
      ".cache/",
      "examples/",
      "coverage/",
      "reports/",
      "tests/e2e/rig/typescript-sdk-runtime/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
