import type { PluginState } from '@crat/core';
import * as tf from '@tensorflow/tfjs-core';
import type { LVISResult } from 'lvis-ts-types';
import type { CratConfig } from '../../src/config/schema.js';
import type {
  Detections,
  DetectorBackend,
  DetectorBatch,
  DetectorModel,
  DetectorParam,
} from '../../src/run/detector-api.js';
import { jsonWeightsIO } from '../../src/train/json-weights.js';

/**
 * A stand-in for @crat/detector with the same surface: a tiny conv net that predicts how many
 * objects of each class an image holds, and "detects" one whole-image box per class scored
 * by that prediction. Enough to drive the trainer's composition end to end on real batches.
 */
export function fakeDetectorBackend(
  events: string[] = [],
): DetectorBackend & { onStep?: (iter: number) => void } {
  const backend: DetectorBackend & { onStep?: (iter: number) => void } = {
    weightsFileName: 'model.json',
    create(cfg: CratConfig, counts?: number[]): DetectorModel {
      const c = cfg.model.numClasses;
      events.push(`create C=${c} loss=${cfg.loss.type} counts=${counts?.length ?? 'none'}`);
      let rngState = cfg.seed + 1;
      const uid = Math.random().toString(36).slice(2);
      const mk = (name: string, shape: number[], trainable = true): DetectorParam => ({
        name,
        trainable,
        variable: tf.variable(
          tf.mul(tf.randomNormal(shape, 0, 1, 'float32', cfg.seed + shape.length), 0.1),
          trainable,
          `${name}-${uid}`,
        ),
      });
      const params = [
        mk('backbone.conv1.weight', [3, 3, 3, 4]),
        mk('backbone.frozen.weight', [4], false),
        mk('roi_head.bbox_head.fc_cls.weight', [4, c]),
      ];
      const [conv, , fc] = params.map((p) => p.variable) as [tf.Variable, tf.Variable, tf.Variable];
      const seen: number[] = new Array(c).fill(0);
      const logits = (images: tf.Tensor4D) =>
        tf.matMul(
          tf.mean(
            tf.relu(tf.conv2d(images, conv as tf.Tensor4D, 2, 'same')),
            [1, 2],
          ) as tf.Tensor2D,
          fc as tf.Tensor2D,
        );
      return {
        params: { all: () => params },
        transfers: [
          {
            branch: 'bbox',
            diagnostics: () => ({
              numClasses: c,
              targets: seen.map((n, t) => ({
                target: t,
                topSources: [{ source: (t + 1) % c, weight: n / 10 }],
                topRois: [],
              })),
            }),
          },
        ],
        async loss(batch: DetectorBatch, ctx: { iteration: number }) {
          backend.onStep?.(ctx.iteration);
          rngState = (rngState * 1103515245 + 12345) % 2147483648; // state the checkpoint must carry
          const counts = batch.gtLabels.map((l) => {
            const row = new Array(c).fill(0);
            for (const k of l) {
              row[k]++;
              seen[k]++;
            }
            return row;
          });
          const pred = logits(batch.images);
          const noise = (rngState % 1000) / 1e6;
          return {
            terms: {
              loss_cls: tf.add(
                tf.mean(tf.square(tf.sub(pred, tf.tensor2d(counts)))),
                noise,
              ) as tf.Scalar,
            },
          };
        },
        async predict(inputs, opts) {
          const scores = tf.tidy(() => tf.sigmoid(logits(inputs.images)));
          const s = (await scores.data()) as Float32Array;
          scores.dispose();
          return inputs.metas.map((m, i): Detections => {
            const [h, w] = m.originalShape;
            const boxes = new Float32Array(c * 4);
            for (let k = 0; k < c; k++) boxes.set([1, 1, w - 1, h - 1], k * 4);
            return {
              imageId: m.imageId,
              boxes,
              scores: s.slice(i * c, (i + 1) * c),
              labels: Int32Array.from({ length: c }, (_, k) => k),
              ...(opts?.withMasks === false ? {} : { masks: [] }),
              originalShape: [h, w],
            };
          });
        },
        getState: (): PluginState => ({ rngState, seen }),
        setState(st: PluginState) {
          rngState = st.rngState as number;
          (st.seen as number[]).forEach((v, k) => {
            seen[k] = v;
          });
        },
        dispose() {
          for (const p of params) p.variable.dispose();
        },
      };
    },
    saveWeights: (model, path) => jsonWeightsIO(byName(model)).save(path),
    loadWeights: (model, path) => jsonWeightsIO(byName(model)).load(path),
    toLvisResults(d: Detections, categoryIds: ArrayLike<number>): LVISResult[] {
      return Array.from(d.labels, (label, k) => {
        const [x1, y1, x2, y2] = d.boxes.subarray(k * 4, k * 4 + 4);
        return {
          image_id: d.imageId,
          category_id: categoryIds[label]!,
          score: d.scores[k]!,
          bbox: [x1!, y1!, x2! - x1!, y2! - y1!],
          segmentation: [[x1!, y1!, x2!, y1!, x2!, y2!, x1!, y2!]],
        };
      });
    },
  };
  return backend;
}

function byName(model: DetectorModel): Record<string, tf.Variable> {
  return Object.fromEntries(model.params.all().map((p) => [p.name, p.variable]));
}
