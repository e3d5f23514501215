/**
 * RoIAlign as a sparse matrix. Row r = (roi k, bin row i, bin column j) of the output;
 * its entries are the feature pixels (flat index n*H*W + y*W + x) that the bin's bilinear
 * samples touch, with the summed weight / count. The forward pass is then
 * out[r, :] = sum_e weight[e] * feature[col[e], :] and the gradient is its transpose, so
 * the sample positions and weights are computed once, on the host, and shared by both.
 * Follows torchvision's roi_align exactly (see the roi_align fixture's description).
 */
export interface RoiAlignPlan {
  /** rows = K * PH * PW; rowPtr has rows + 1 entries (CSR). */
  rows: number;
  rowPtr: Int32Array;
  col: Int32Array;
  weight: Float32Array;
}

export interface RoiAlignGeometry {
  batch: number;
  height: number;
  width: number;
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
}

/** rois: K*5 rows (batchIndex, x1, y1, x2, y2) in image coordinates. */
export function planRoiAlign(rois: ArrayLike<number>, g: RoiAlignGeometry): RoiAlignPlan {
  const k = Math.floor(rois.length / 5);
  const [ph, pw] = g.outputSize;
  const rows = k * ph * pw;
  const rowPtr = new Int32Array(rows + 1);
  let col = new Int32Array(Math.max(16, rows * 4));
  let weight = new Float32Array(col.length);
  let nnz = 0;
  // Per-bin accumulation keyed by pixel index (a bin touches few pixels).
  const binCols: number[] = [];
  const binWeights: number[] = [];
  const add = (pixel: number, w: number) => {
    for (let t = 0; t < binCols.length; t++) {
      if (binCols[t] === pixel) {
        binWeights[t] += w;
        return;
      }
    }
    binCols.push(pixel);
    binWeights.push(w);
  };
  const { height: H, width: W } = g;
  const off = g.aligned ? 0.5 : 0;
  for (let r = 0; r < k; r++) {
    const n = rois[r * 5];
    if (!Number.isInteger(n) || n < 0 || n >= g.batch) {
      throw new Error(
        `roiAlign: rois[${r}] has batch index ${n}, expected an integer in [0, ${g.batch})`,
      );
    }
    const x1 = rois[r * 5 + 1] * g.spatialScale - off;
    const y1 = rois[r * 5 + 2] * g.spatialScale - off;
    const x2 = rois[r * 5 + 3] * g.spatialScale - off;
    const y2 = rois[r * 5 + 4] * g.spatialScale - off;
    let roiW = x2 - x1;
    let roiH = y2 - y1;
    if (!g.aligned) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = roiH / ph;
    const binW = roiW / pw;
    const gh = g.samplingRatio > 0 ? g.samplingRatio : Math.ceil(roiH / ph);
    const gw = g.samplingRatio > 0 ? g.samplingRatio : Math.ceil(roiW / pw);
    const count = Math.max(gh * gw, 1);
    const base = n * H * W;
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        binCols.length = 0;
        binWeights.length = 0;
        for (let iy = 0; iy < gh; iy++) {
          const y = y1 + i * binH + ((iy + 0.5) * binH) / gh;
          for (let ix = 0; ix < gw; ix++) {
            const x = x1 + j * binW + ((ix + 0.5) * binW) / gw;
            if (y < -1 || y > H || x < -1 || x > W) continue;
            const yy = Math.max(y, 0);
            const xx = Math.max(x, 0);
            let yLow = Math.floor(yy);
            let xLow = Math.floor(xx);
            let yHigh: number;
            let xHigh: number;
            let ly: number;
            let lx: number;
            if (yLow >= H - 1) {
              yLow = yHigh = H - 1;
              ly = 0;
            } else {
              yHigh = yLow + 1;
              ly = yy - yLow;
            }
            if (xLow >= W - 1) {
              xLow = xHigh = W - 1;
              lx = 0;
            } else {
              xHigh = xLow + 1;
              lx = xx - xLow;
            }
            const hy = 1 - ly;
            const hx = 1 - lx;
            add(base + yLow * W + xLow, (hy * hx) / count);
            add(base + yLow * W + xHigh, (hy * lx) / count);
            add(base + yHigh * W + xLow, (ly * hx) / count);
            add(base + yHigh * W + xHigh, (ly * lx) / count);
          }
        }
        if (nnz + binCols.length > col.length) {
          const grow = Math.max(col.length * 2, nnz + binCols.length);
          const c2 = new Int32Array(grow);
          c2.set(col.subarray(0, nnz));
          const w2 = new Float32Array(grow);
          w2.set(weight.subarray(0, nnz));
          col = c2;
          weight = w2;
        }
        for (let t = 0; t < binCols.length; t++) {
          if (binWeights[t] === 0) continue;
          col[nnz] = binCols[t];
          weight[nnz] = binWeights[t];
          nnz++;
        }
        rowPtr[(r * ph + i) * pw + j + 1] = nnz;
      }
    }
  }
  return { rows, rowPtr, col: col.subarray(0, nnz), weight: weight.subarray(0, nnz) };
}

/** out[r*C + c] = sum_e weight[e] * feat[col[e]*C + c] */
export function applyPlan(
  plan: RoiAlignPlan,
  feat: Float32Array,
  channels: number,
  out: Float32Array,
): void {
  const { rowPtr, col, weight } = plan;
  const C = channels;
  out.fill(0);
  for (let r = 0; r < plan.rows; r++) {
    const o = r * C;
    for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) {
      const w = weight[e];
      const s = col[e] * C;
      for (let c = 0; c < C; c++) out[o + c] += w * feat[s + c];
    }
  }
}

/** The transpose: dfeat[col[e]*C + c] += weight[e] * dy[r*C + c] (dfeat zeroed first). */
export function applyPlanTransposed(
  plan: RoiAlignPlan,
  dy: Float32Array,
  channels: number,
  dfeat: Float32Array,
): void {
  const { rowPtr, col, weight } = plan;
  const C = channels;
  dfeat.fill(0);
  for (let r = 0; r < plan.rows; r++) {
    const o = r * C;
    for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) {
      const w = weight[e];
      const d = col[e] * C;
      for (let c = 0; c < C; c++) dfeat[d + c] += w * dy[o + c];
    }
  }
}
