// Find the state dict inside a checkpoint's object: bare, mmdetection `{meta, state_dict}`, `{model}` of detectron2 / torchvision references.

import { TorchCheckpointError } from './checkpoint-error.js';
import { isTorchTensor, type TorchTensor } from './dtypes.js';
import { describeValue, type PickleValue } from './pickle/pickle-value.js';

/** Keys under which known trainers keep the state dict, tried in this order. */
export const STATE_DICT_KEYS = ['state_dict', 'model', 'model_state_dict', 'module'] as const;

export interface FoundStateDict {
  /** Parameter and buffer name → tensor, in the file's order; `module.` prefixes removed. */
  tensors: Map<string, TorchTensor>;
  /** Where it was: the key of the top-level dict, or `null` for a bare state dict. */
  key: string | null;
  /** The top-level `meta` entry (mmdetection / mmcv: versions, classes, epoch), if any. */
  meta: PickleValue | undefined;
}

function isStateDict(v: PickleValue | undefined): v is Map<string, TorchTensor> {
  if (!(v instanceof Map) || v.size === 0) return false;
  for (const [k, t] of v) if (typeof k !== 'string' || !isTorchTensor(t)) return false;
  return true;
}

/**
 * mmcv strips DataParallel's `module.` from every key when it loads a checkpoint; so do we,
 * so that files saved from a wrapped model map like any other.
 */
function withoutModulePrefix(
  dict: Map<string, TorchTensor>,
  file: string,
): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of dict) {
    const name = k.startsWith('module.') ? k.slice('module.'.length) : k;
    if (out.has(name)) {
      throw new TorchCheckpointError(
        file,
        'state dict',
        `two tensors are named '${name}' once 'module.' is removed`,
        k,
      );
    }
    out.set(name, t);
  }
  return out;
}

/**
 * The state dict of an unpickled checkpoint: the object itself when it is a dict of tensors,
 * else the first of `STATE_DICT_KEYS` in the top-level dict that is one. Throws naming the
 * keys it saw when there is none.
 */
export function stateDictOf(root: PickleValue, file = 'checkpoint'): FoundStateDict {
  if (isStateDict(root)) {
    return { tensors: withoutModulePrefix(root, file), key: null, meta: undefined };
  }
  if (!(root instanceof Map)) {
    throw new TorchCheckpointError(
      file,
      'object',
      `holds ${describeValue(root)}, not a dict: no state dict to read`,
    );
  }
  const meta = root.get('meta');
  for (const key of STATE_DICT_KEYS) {
    const v = root.get(key);
    if (isStateDict(v)) return { tensors: withoutModulePrefix(v, file), key, meta };
  }
  const keys = [...root.keys()].map((k) => (typeof k === 'string' ? `'${k}'` : describeValue(k)));
  throw new TorchCheckpointError(
    file,
    'object',
    `no state dict: the top-level dict has keys [${keys.join(', ')}], and it is neither a dict ` +
      `of tensors itself nor has one under ${STATE_DICT_KEYS.map((k) => `'${k}'`).join(', ')}`,
  );
}
