// Public API of src/features: explicit named exports only.
