// PyTorch checkpoints end to end: `crat test` on the torchvision fixture's `.pth` files (torchvision
// and mmdetection names) and on `crat convert`'s safetensors of them give the same table, and a
// backbone `initCfg` is read from a torchvision ResNet file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readTorchWeights } from '@crat/detector';
import { generateSynthDataset } from '@crat/lvis-synth';
import { fixturesDir } from '@crat/test-fixtures';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program.js';
import { resolvePretrained } from '../src/run/pretrained.js';
import { testFromConfig } from '../src/run/test.js';
import { trainFromConfig } from '../src/run/train.js';

const REPO = resolve(__dirname, '../../..');
const tv = (f: string) => join(fixturesDir(), 'torchvision', f);

/** A config for the fixture model's shapes (read from the file) over a small synthetic set with its class count. */
async function fixtureConfig(dir: string): Promise<string> {
  const { tensors } = await readTorchWeights(tv('maskrcnn_r18_fpn64_torchvision.pth'));
  const shape = (n: string) => tensors.get(n)!.shape;
  const numClasses = shape('roi_head.mask_head.conv_logits.weight')[0]!;
  // families x variants classes: the smallest grid with numClasses cells
  const families = Math.min(10, numClasses);
  const variants = Math.ceil(numClasses / families);
  expect(families * variants).toBe(numClasses);
  await generateSynthDataset({
    out: join(dir, 'data'),
    trainImages: 8,
    valImages: 6,
    families,
    variants,
    seed: 3,
  });
  const file = join(dir, 'fixture.ts');
  const model = {
    _delete_: true,
    preset: 'mask_rcnn_r50_fpn_torchvision',
    numClasses,
    backbone: { depth: 18, baseChannels: shape('backbone.conv1.weight')[0], frozenStages: -1 },
    neck: { outChannels: shape('neck.fpn_convs.0.conv.weight')[0] },
    rpnHead: { featChannels: shape('rpn_head.rpn_conv.weight')[0] },
    roiHead: {
      bbox: { fcChannels: shape('roi_head.bbox_head.shared_fcs.0.weight')[0] },
      mask: { convChannels: shape('roi_head.mask_head.convs.0.conv.weight')[0] },
    },
  };
  writeFileSync(
    file,
    `export default {
  _base_: [${JSON.stringify(join(REPO, 'configs/synth/ce.ts'))}],
  model: ${JSON.stringify(model)},
  dataset: {
    train: { annFile: 'data/annotations/lvis_v1_train.json', imgDir: 'data/train2017' },
    val: { annFile: 'data/annotations/lvis_v1_val.json', imgDir: 'data/val2017' },
    synth: { outDir: 'data', seed: 3 },
  },
  data: { workers: 0 },
};\n`,
  );
  return file;
}

describe('PyTorch checkpoints', () => {
  it('crat test reads torchvision and mmdetection .pth files, and crat convert gives the same weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crat-pth-'));
    const config = await fixtureConfig(dir);
    const run = (checkpoint: string, out: string) =>
      testFromConfig({
        config,
        checkpoint,
        cwd: dir,
        backend: 'wasm',
        out: join(dir, out),
        log: () => {},
      });
    const a = await run(tv('maskrcnn_r18_fpn64_torchvision.pth'), 'a.json');
    const b = await run(tv('maskrcnn_r18_fpn64_mmdet.pth'), 'b.json');
    expect(b.reports).toEqual(a.reports);
    await buildProgram().parseAsync([
      'node',
      'crat',
      'convert',
      tv('maskrcnn_r18_fpn64_torchvision.pth'),
      join(dir, 'tv.safetensors'),
      '--from',
      'torchvision',
    ]);
    const c = await run(join(dir, 'tv.safetensors'), 'c.json');
    expect(c.reports).toEqual(a.reports);
    expect(a.reports.bbox).toBeDefined();
  }, 120_000);

  it('resolves torchvision:// names to files in data/pretrain_models or torch hub, or says where to put them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crat-pre-'));
    expect(() =>
      resolvePretrained('torchvision://resnet50', dir, 'model.backbone.initCfg.checkpoint'),
    ).toThrow(
      /resnet50-0676ba61\.pth.*data\/pretrain_models.*download\.pytorch\.org\/models\/resnet50-0676ba61\.pth/s,
    );
    expect(() => resolvePretrained('torchvision://resnet7', dir, 'f')).toThrow(
      /f: unknown 'torchvision:\/\/resnet7'/,
    );
    expect(resolvePretrained(tv('resnet18_stem_layer1_legacy.pth'), dir, 'f')).toBe(
      tv('resnet18_stem_layer1_legacy.pth'),
    );
  });

  it("loads a backbone initCfg before training, and names the file's missing parameters", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crat-init-'));
    const config = await fixtureConfig(dir);
    // The legacy fixture holds only the stem and layer1: a strict backbone load names what is missing.
    const err = await trainFromConfig({
      config,
      cwd: dir,
      backend: 'wasm',
      progress: false,
      handleSigint: false,
      log: () => {},
      cfgOptions: [
        'model.backbone.initCfg.type=Pretrained',
        `model.backbone.initCfg.checkpoint=${tv('resnet18_stem_layer1_legacy.pth')}`,
        'schedule.length=1',
        'schedule.policy.milestones=[1]',
        'schedule.warmup.iters=0',
      ],
    }).catch((e: Error) => e.message);
    expect(err).toMatch(
      /resnet18_stem_layer1_legacy\.pth: \d+ parameter\(s\) missing, e\.g\. backbone\.layer2/,
    );
  }, 60_000);
});
