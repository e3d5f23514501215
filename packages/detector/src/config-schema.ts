// Validation of a detector config (the zod schema the trainer composes into its own) and
// resolution of overrides onto a preset with the one config merge.

import { type DeepPartial, deepMerge } from '@crat/core';
import { z } from 'zod';
import type {
  AssignerConfig,
  DetectorConfig,
  NormConfig,
  ProposalConfig,
  SamplerConfig,
} from './config.js';
import { r50FpnConfig } from './config.js';

const positiveInt = z.number().int().positive();

const norm = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('FrozenBN') }),
  z.strictObject({ type: z.literal('BN'), momentum: z.number().gt(0).max(1).optional() }),
  z.strictObject({ type: z.literal('GN'), numGroups: z.number().int().positive() }),
]) satisfies z.ZodType<NormConfig>;
const nonNegativeInt = z.number().int().nonnegative();
const fraction = z.number().min(0).max(1);
const positive = z.number().positive();

const assigner = z.strictObject({
  posIouThr: fraction,
  negIouThr: fraction,
  minPosIou: fraction,
  matchLowQuality: z.boolean(),
  gtMaxAssignAll: z.boolean(),
}) satisfies z.ZodType<AssignerConfig>;

const sampler = z.strictObject({
  num: positiveInt,
  posFraction: fraction,
  addGtAsProposals: z.boolean(),
}) satisfies z.ZodType<SamplerConfig>;

const proposals = z.strictObject({
  nmsPre: positiveInt,
  nmsIouThr: fraction,
  maxPerImg: positiveInt,
  minBboxSize: z.number().nonnegative(),
}) satisfies z.ZodType<ProposalConfig>;

/** The detector config's fields, strict: a field nothing reads is an error, and so is a value nothing builds. */
export const detectorConfigObject = z.strictObject({
  numClasses: positiveInt,
  backbone: z.strictObject({
    depth: z.literal([18, 34, 50]),
    baseChannels: positiveInt,
    frozenStages: z.number().int().min(-1).max(4),
    normRequiresGrad: z.boolean(),
    zeroInitResidual: z.boolean(),
    norm,
    initCfg: z
      .strictObject({ type: z.literal('Pretrained'), checkpoint: z.string().min(1) })
      .nullable(),
  }),
  neck: z.strictObject({
    outChannels: positiveInt,
    numOuts: z.number().int().min(4),
    norm: norm.nullable(),
  }),
  rpnHead: z.strictObject({
    featChannels: positiveInt,
    anchorStyle: z.enum(['mmdetection', 'torchvision']),
    anchorStrides: z.array(positiveInt).min(1),
    anchorRatios: z.array(positive).min(1),
    anchorScales: z.array(positive).min(1),
    assigner,
    sampler,
    train: proposals,
    test: proposals,
    lossClsWeight: z.number().nonnegative(),
    lossBboxWeight: z.number().nonnegative(),
  }),
  roiHead: z.strictObject({
    featStrides: z.array(positiveInt).min(1),
    samplingRatio: nonNegativeInt,
    aligned: z.boolean(),
    finestScale: positive,
    assigner,
    sampler,
    bbox: z.strictObject({
      roiSize: positiveInt,
      numSharedConvs: nonNegativeInt,
      convChannels: positiveInt,
      norm: norm.nullable(),
      fcChannels: positiveInt,
      numSharedFcs: nonNegativeInt,
      targetStds: z.tuple([positive, positive, positive, positive]),
      lossBboxWeight: z.number().nonnegative(),
    }),
    mask: z.strictObject({
      roiSize: positiveInt,
      numConvs: nonNegativeInt,
      convChannels: positiveInt,
      norm: norm.nullable(),
      maskSize: positiveInt,
      lossMaskWeight: z.number().nonnegative(),
    }),
  }),
  test: z.strictObject({
    scoreThr: z.number().nonnegative(),
    minBboxSize: z.number().nonnegative(),
    nmsIouThr: fraction,
    maxPerImg: positiveInt,
    maskThrBinary: fraction,
    maskPaste: z.enum(['mmdetection', 'torchvision']),
  }),
});

/** The checks across fields (anchor strides per FPN level, RoI levels, mask size). */
export function refineDetectorConfig(
  cfg: z.output<typeof detectorConfigObject>,
  ctx: z.RefinementCtx,
): void {
  const fail = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (cfg.rpnHead.anchorStrides.length !== cfg.neck.numOuts) {
    fail(
      ['rpnHead', 'anchorStrides'],
      `must have one stride per FPN level (neck.numOuts = ${cfg.neck.numOuts})`,
    );
  }
  if (cfg.roiHead.featStrides.length > cfg.neck.numOuts) {
    fail(['roiHead', 'featStrides'], `has more levels than the FPN (${cfg.neck.numOuts})`);
  }
  if (cfg.roiHead.mask.maskSize !== 2 * cfg.roiHead.mask.roiSize) {
    fail(['roiHead', 'mask', 'maskSize'], 'must be 2 x roiHead.mask.roiSize (one 2x deconv)');
  }
}

/** The whole detector config with its cross-field checks. */
export const detectorConfigSchema = detectorConfigObject.superRefine(
  refineDetectorConfig,
) satisfies z.ZodType<DetectorConfig>;

/** One line per problem: `detector config: <path>: <message>`. */
function configError(error: z.ZodError): Error {
  const lines = error.issues.flatMap((issue) => {
    const paths =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    const msg = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    return paths.map((p) => `${p.map(String).join('.') || '(root)'}: ${msg}`);
  });
  return new Error(`detector config: ${lines.join('; ')}`);
}

/** Throws an error naming every bad field; returns the config unchanged when it is valid. */
export function validateDetectorConfig(cfg: DetectorConfig): DetectorConfig {
  const r = detectorConfigSchema.safeParse(cfg);
  if (!r.success) throw configError(r.error);
  return cfg;
}

/** `overrides` merged onto `base` (default: the R50-FPN preset; objects merge, arrays replace), validated. */
export function resolveDetectorConfig(
  overrides: DeepPartial<DetectorConfig>,
  base: DetectorConfig = r50FpnConfig(overrides.numClasses ?? 1),
): DetectorConfig {
  return validateDetectorConfig(deepMerge(base, overrides) as DetectorConfig);
}
