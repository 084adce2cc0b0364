// Public API of src/data: explicit named exports only.
