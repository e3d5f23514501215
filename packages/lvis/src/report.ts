import { LVIS_METRIC_NAMES, type LVISEvalParams, type LVISMetrics } from 'lvis-ts-types';

/** Python's `'{:0.2f}'`-style fixed formatting (round half to even on the binary value). */
function fixed(v: number, digits: number): string {
  return v.toFixed(digits);
}

/**
 * The official `print_results` lines, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=300 catIds=all] = 0.214`.
 */
export function formatResults(
  metrics: LVISMetrics,
  params: Pick<LVISEvalParams, 'iouThrs' | 'maxDets'>,
): string {
  const lines: string[] = [];
  for (const key of LVIS_METRIC_NAMES) {
    const isAp = key.includes('AP');
    const title = isAp ? 'Average Precision' : 'Average Recall';
    const kind = isAp ? '(AP)' : '(AR)';
    const c = key.length > 2 ? key[2] : '';
    const iou =
      c >= '0' && c <= '9'
        ? fixed(Number.parseFloat(key.slice(2)) / 100, 2)
        : `${fixed(params.iouThrs[0], 2)}:${fixed(params.iouThrs[params.iouThrs.length - 1], 2)}`;
    const group = c === 'r' || c === 'c' || c === 'f' ? c : 'all';
    const area = c === 's' || c === 'm' || c === 'l' ? c : 'all';
    lines.push(
      ` ${title.padEnd(18)} ${kind} @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(params.maxDets).padStart(3)} catIds=${group.padStart(3)}] = ${fixed(metrics[key], 3)}`,
    );
  }
  return lines.join('\n');
}
