// Helpers shared by this package's tests (not shipped).

/** The largest absolute difference between `got` and `want`, relative to the largest magnitude in `want`. */
export function relativeError(got: Float32Array, want: Float32Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
  }
  return err / scale;
}
