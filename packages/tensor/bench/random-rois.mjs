// Deterministic RoIs for the RoIAlign benchmarks: k boxes over n images of H x W, sqrt(area)
// 16 * 2^[0, log2Span) px, aspect ratios 1/2..2, rows (batch, x1, y1, x2, y2).
export function randomRois(k, n, H, W, log2Span) {
  const rows = new Float32Array(k * 5);
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < k; i++) {
    const s = 16 * 2 ** (rnd() * log2Span);
    const ar = 2 ** (rnd() * 2 - 1);
    const bw = Math.min(W - 1, s * Math.sqrt(ar));
    const bh = Math.min(H - 1, s / Math.sqrt(ar));
    const x1 = rnd() * (W - bw);
    const y1 = rnd() * (H - bh);
    rows.set([i % n, x1, y1, x1 + bw, y1 + bh], i * 5);
  }
  return rows;
}
