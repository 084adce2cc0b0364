// Public API of src/tools: explicit named exports only.
