// Inputs the official LVIS API accepts without a word but that are probably mistakes (a
// negative score, a polygon pycocotools reads in a surprising way): evaluated as the
// official API does, with a warning naming the records.

/** Records named in one warning; the rest are counted. */
const SHOWN = 5;

function summarize(what: string, hits: string[], consequence: string): string {
  const shown = hits.slice(0, SHOWN).join(', ');
  const more = hits.length > SHOWN ? ` and ${hits.length - SHOWN} more` : '';
  return `${what}: ${shown}${more}; ${consequence}`;
}

const recordName = (list: string, i: number, id: unknown) =>
  `${list}[${i}]${typeof id === 'number' ? ` (id ${id})` : ''}`;

/** Detections with a negative score (the official API only ranks by score). */
export function resultWarnings(scores: ArrayLike<number>, source: string): string[] {
  const neg: string[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] < 0) neg.push(`results[${i}] (score ${scores[i]})`);
  }
  return neg.length
    ? [
        summarize(
          `${source}: ${neg.length} detection(s) with a negative 'score'`,
          neg,
          'evaluated as the official API does (scores only rank detections); scores are usually probabilities in [0, 1]',
        ),
      ]
    : [];
}

/**
 * Polygon segmentations that pycocotools' `frPyObjects` (what the official API rasterizes
 * ground truth with) treats specially: an odd count drops the last number; a polygon of
 * fewer than 3 points covers no pixel; a list whose first polygon has exactly 4 numbers is
 * taken for `[x, y, w, h]` boxes, on which pycocotools fails (so the official segm
 * evaluation cannot run), and is read as those boxes here; a list that is empty or whose
 * first polygon has fewer than 4 numbers also makes pycocotools fail, and covers no pixel
 * here.
 */
export function annotationWarnings(
  annotations: readonly { id?: unknown; segmentation?: unknown }[],
  source: string,
): string[] {
  const odd: string[] = [];
  const short: string[] = [];
  const boxes: string[] = [];
  const failing: string[] = [];
  annotations.forEach((a, i) => {
    const seg = a.segmentation;
    if (!Array.isArray(seg)) return;
    const name = recordName('annotations', i, a.id);
    if (seg.length === 0 || (seg[0] as unknown[]).length < 4) {
      failing.push(name);
      return;
    }
    if ((seg[0] as unknown[]).length === 4) {
      boxes.push(name);
      return;
    }
    (seg as unknown[][]).forEach((p, k) => {
      if (p.length % 2 === 1) odd.push(`${name} polygon ${k} (${p.length} numbers)`);
      if (p.length < 6) short.push(`${name} polygon ${k} (${p.length} numbers)`);
    });
  });
  const out: string[] = [];
  const add = (hits: string[], what: string, consequence: string) => {
    if (hits.length) out.push(summarize(`${source}: ${what}`, hits, consequence));
  };
  add(
    odd,
    'polygons with an odd count of numbers',
    'the last number is ignored, as pycocotools does',
  );
  add(short, 'polygons of fewer than 3 points', 'they cover no pixel, as in pycocotools');
  add(
    boxes,
    'segmentations whose first polygon has 4 numbers (pycocotools takes them for [x, y, w, h] boxes and fails on them: the official API cannot evaluate segm on this file)',
    'read as those boxes here',
  );
  add(
    failing,
    'segmentations that are empty or whose first polygon has fewer than 4 numbers (pycocotools fails on them: the official API cannot evaluate segm on this file)',
    'they cover no pixel here',
  );
  return out;
}
