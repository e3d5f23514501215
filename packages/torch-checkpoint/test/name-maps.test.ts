// Name maps on small synthetic state dicts: background rows, old torchvision names, drops, and refusals.

import { describe, expect, it } from 'vitest';
import {
  guessNaming,
  selectRows,
  type TorchTensor,
  toMmdetNames,
  torchvisionMaskRcnnToMmdet,
  torchvisionResnetToMmdet,
} from '../src/index.js';

const f32 = (shape: number[], values?: number[]): TorchTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    kind: 'tensor',
    dtype: 'float32',
    shape,
    data: Float32Array.from(values ?? Array.from({ length: n }, (_, i) => i)),
  };
};

/** A torchvision detection head for C = 2 classes (3 outputs with background at 0). */
function detectionHead(): Map<string, TorchTensor> {
  return new Map([
    ['roi_heads.box_predictor.cls_score.weight', f32([3, 2], [0, 0, 1, 1, 2, 2])],
    ['roi_heads.box_predictor.cls_score.bias', f32([3], [10, 11, 12])],
    ['roi_heads.box_predictor.bbox_pred.weight', f32([12, 1])],
    ['roi_heads.box_predictor.bbox_pred.bias', f32([12])],
    ['roi_heads.mask_predictor.mask_fcn_logits.weight', f32([3, 1, 1, 1], [5, 6, 7])],
    ['roi_heads.mask_predictor.mask_fcn_logits.bias', f32([3], [8, 9, 10])],
  ]);
}

describe('torchvision Mask R-CNN → mmdetection', () => {
  it('moves the background logit last and drops it from deltas and mask logits', () => {
    const { tensors } = torchvisionMaskRcnnToMmdet(detectionHead());
    const values = (n: string) => Array.from(tensors.get(n)!.data as Float32Array);
    expect(values('roi_head.bbox_head.fc_cls.weight')).toEqual([1, 1, 2, 2, 0, 0]);
    expect(values('roi_head.bbox_head.fc_cls.bias')).toEqual([11, 12, 10]);
    expect(tensors.get('roi_head.bbox_head.fc_reg.weight')!.shape).toEqual([8, 1]);
    expect(values('roi_head.bbox_head.fc_reg.bias')).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(tensors.get('roi_head.mask_head.conv_logits.weight')!.shape).toEqual([2, 1, 1, 1]);
    expect(values('roi_head.mask_head.conv_logits.weight')).toEqual([6, 7]);
    expect(values('roi_head.mask_head.conv_logits.bias')).toEqual([9, 10]);
  });

  it('knows the names torchvision used before 0.13', () => {
    const old = new Map([
      ['rpn.head.conv.weight', f32([1])],
      ['backbone.fpn.inner_blocks.0.weight', f32([1])],
      ['backbone.fpn.layer_blocks.3.bias', f32([1])],
      ['roi_heads.mask_head.mask_fcn1.weight', f32([1])],
      ['roi_heads.mask_head.mask_fcn4.bias', f32([1])],
    ]);
    expect([...torchvisionMaskRcnnToMmdet(old).tensors.keys()]).toEqual([
      'rpn_head.rpn_conv.weight',
      'neck.lateral_convs.0.conv.weight',
      'neck.fpn_convs.3.conv.bias',
      'roi_head.mask_head.convs.0.conv.weight',
      'roi_head.mask_head.convs.3.conv.bias',
    ]);
  });

  it('drops BN batch counters and refuses unknown names, naming them', () => {
    const sd = new Map([
      ['backbone.body.bn1.num_batches_tracked', f32([1])],
      ['roi_heads.box_head.0.0.weight', f32([1])],
    ]);
    expect(() => torchvisionMaskRcnnToMmdet(sd, { file: 'v2.pth' })).toThrow(
      'v2.pth: state dict: roi_heads.box_head.0.0.weight: no mmdetection name for this tensor',
    );
    const lenient = torchvisionMaskRcnnToMmdet(sd, { strict: false });
    expect(lenient.dropped).toEqual(['backbone.body.bn1.num_batches_tracked']);
    expect(lenient.unmapped).toEqual(['roi_heads.box_head.0.0.weight']);
  });

  it('refuses a backbone body that is not a ResNet', () => {
    const sd = new Map([['backbone.body.features.0.weight', f32([1])]]);
    expect(() => torchvisionMaskRcnnToMmdet(sd)).toThrow(
      'not a ResNet parameter of the backbone body',
    );
  });

  it('refuses heads that disagree on the number of classes', () => {
    const sd = detectionHead();
    sd.set('roi_heads.mask_predictor.mask_fcn_logits.weight', f32([4, 1, 1, 1]));
    expect(() => torchvisionMaskRcnnToMmdet(sd)).toThrow(
      'the heads disagree on the number of classes',
    );
  });
});

describe('torchvision ImageNet ResNet → backbone', () => {
  it('prefixes backbone names and drops the classifier', () => {
    const sd = new Map([
      ['conv1.weight', f32([1])],
      ['layer4.2.downsample.1.running_var', f32([1])],
      ['layer2.0.bn3.num_batches_tracked', f32([1])],
      ['fc.weight', f32([1000, 1])],
      ['fc.bias', f32([1000])],
    ]);
    const r = torchvisionResnetToMmdet(sd);
    expect([...r.tensors.keys()]).toEqual([
      'backbone.conv1.weight',
      'backbone.layer4.2.downsample.1.running_var',
    ]);
    expect(r.dropped).toEqual(['layer2.0.bn3.num_batches_tracked', 'fc.weight', 'fc.bias']);
  });

  it('takes another prefix and refuses non-ResNet names', () => {
    const sd = new Map([['bn1.weight', f32([1])]]);
    expect([...torchvisionResnetToMmdet(sd, { prefix: 'teacher.' }).tensors.keys()]).toEqual([
      'teacher.bn1.weight',
    ]);
    expect(() => torchvisionResnetToMmdet(new Map([['features.0.weight', f32([1])]]))).toThrow(
      'features.0.weight: no mmdetection name',
    );
  });
});

describe('naming', () => {
  it('guesses the naming from tensor names', () => {
    expect(guessNaming(['backbone.body.conv1.weight', 'roi_heads.box_head.fc6.weight'])).toBe(
      'torchvision-mask-rcnn',
    );
    expect(guessNaming(['backbone.conv1.weight', 'neck.fpn_convs.0.conv.weight'])).toBe('mmdet');
    expect(guessNaming(['conv1.weight', 'layer1.0.conv1.weight', 'fc.weight'])).toBe(
      'torchvision-resnet',
    );
    expect(guessNaming(['encoder.weight'])).toBeUndefined();
  });

  it('mmdetection names pass through without their BN batch counters', () => {
    const sd = new Map([
      ['backbone.conv1.weight', f32([1])],
      ['backbone.bn1.num_batches_tracked', f32([1])],
    ]);
    const r = toMmdetNames(sd, 'mmdet');
    expect([...r.tensors.keys()]).toEqual(['backbone.conv1.weight']);
    expect(r.tensors.get('backbone.conv1.weight')).toBe(sd.get('backbone.conv1.weight'));
  });

  it('selectRows keeps dtype and bits (int64 here)', () => {
    const t: TorchTensor = {
      kind: 'tensor',
      dtype: 'int64',
      shape: [3, 2],
      data: BigInt64Array.from([1n, 2n, 3n, 4n, -(2n ** 62n), 6n]),
    };
    const r = selectRows(t, [2, 0]);
    expect(r.dtype).toBe('int64');
    expect(r.shape).toEqual([2, 2]);
    expect(Array.from(r.data as BigInt64Array)).toEqual([-(2n ** 62n), 6n, 1n, 2n]);
  });
});
