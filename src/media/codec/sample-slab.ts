/** Samples per slab: 64 K samples (128 KiB) serve about 400 G.711 frames. */
const SLAB_SAMPLES = 65_536;

let slab = new Int16Array(SLAB_SAMPLES);
let used = 0;

/**
 * A zeroed-or-overwritten Int16Array of `n` samples carved from a shared slab. Decoded frames are
 * small and many (50 per second per leg); a typed array of their size gets its own malloc'd
 * backing store, and allocating and sweeping those cost more than decoding. Views of one slab do
 * not: the slab lives while any view of it does, and a new one starts when it is used up. The
 * caller owns the view and must write all of it before reading.
 */
export function allocateSamples(n: number): Int16Array {
  if (n > SLAB_SAMPLES / 4) return new Int16Array(n);
  if (used + n > SLAB_SAMPLES) {
    slab = new Int16Array(SLAB_SAMPLES);
    used = 0;
  }
  const view = slab.subarray(used, used + n);
  used += n;
  return view;
}
