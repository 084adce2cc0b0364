// Public API of src/paths: the one place where ids and user- or file-supplied names become paths.
export { ID_PATTERN, ID_RULE, InvalidIdError, assertId, isValidId, normalizeSymbol, quote } from './ids.ts';
export { UnsafePathError, assertRegularFile, isRegularFile, isSymlink, realpathInside, resolveInside } from './resolveInside.ts';
