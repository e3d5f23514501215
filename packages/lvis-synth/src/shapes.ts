// The shape families' outlines, and an outline placed in the image at a pose.

import polygonClipping, { type MultiPolygon, type Pair, type Ring } from 'polygon-clipping';

/** Shape families, in the order classes are built from them. */
export const SHAPE_FAMILIES = [
  'disc',
  'square',
  'triangle',
  'star',
  'cross',
  'ring',
  'hexagon',
  'crescent',
  'diamond',
  'arrow',
] as const;
export type ShapeFamily = (typeof SHAPE_FAMILIES)[number];

function regular(n: number, radius: number, phase = 0): Ring {
  const ring: Ring = [];
  for (let k = 0; k < n; k++) {
    const a = phase + (2 * Math.PI * k) / n;
    ring.push([radius * Math.cos(a), radius * Math.sin(a)]);
  }
  return ring;
}

function closed(ring: Ring): Ring {
  return [...ring, ring[0]];
}

const CIRCLE_VERTICES = 48;

/**
 * Each family's outline in unit coordinates (about radius 1, centred on the origin), as a
 * multipolygon whose polygons are [outer, ...holes]. Rings are open (no repeated vertex).
 */
function unitShape(family: ShapeFamily): MultiPolygon {
  switch (family) {
    case 'disc':
      return [[regular(CIRCLE_VERTICES, 1)]];
    case 'square':
      return [[regular(4, 1.2, Math.PI / 4)]];
    case 'triangle':
      return [[regular(3, 1.25, -Math.PI / 2)]];
    case 'hexagon':
      return [[regular(6, 1.05)]];
    case 'diamond': {
      return [
        [
          [
            [0, -1.2],
            [0.7, 0],
            [0, 1.2],
            [-0.7, 0],
          ],
        ],
      ];
    }
    case 'star': {
      const ring: Ring = [];
      for (let k = 0; k < 10; k++) {
        const r = k % 2 === 0 ? 1.25 : 0.5;
        const a = -Math.PI / 2 + (Math.PI * k) / 5;
        ring.push([r * Math.cos(a), r * Math.sin(a)]);
      }
      return [[ring]];
    }
    case 'cross': {
      const a = 0.35;
      const b = 1.1;
      return [
        [
          [
            [-a, -b],
            [a, -b],
            [a, -a],
            [b, -a],
            [b, a],
            [a, a],
            [a, b],
            [-a, b],
            [-a, a],
            [-b, a],
            [-b, -a],
            [-a, -a],
          ],
        ],
      ];
    }
    case 'arrow': {
      return [
        [
          [
            [-1.1, -0.3],
            [0.2, -0.3],
            [0.2, -0.75],
            [1.1, 0],
            [0.2, 0.75],
            [0.2, 0.3],
            [-1.1, 0.3],
          ],
        ],
      ];
    }
    case 'ring':
      // Outer and inner boundary: the hole is part of the polygon, not a second polygon.
      return [[regular(CIRCLE_VERTICES, 1.1), regular(CIRCLE_VERTICES, 0.6).reverse()]];
    case 'crescent': {
      const outer = closed(regular(CIRCLE_VERTICES, 1.1));
      const bite = closed(regular(CIRCLE_VERTICES, 0.95).map(([x, y]): Pair => [x + 0.55, y]));
      return openRings(polygonClipping.difference([outer], [bite]));
    }
  }
}

function openRings(mp: MultiPolygon): MultiPolygon {
  return mp.map((poly) => poly.map((ring) => ring.slice(0, -1)));
}

const UNIT_SHAPES = new Map<ShapeFamily, MultiPolygon>(
  SHAPE_FAMILIES.map((f) => [f, unitShape(f)]),
);

/** Where and how big one object is. */
export interface Pose {
  cx: number;
  cy: number;
  /** Radius in pixels of the unit shape. */
  radius: number;
  /** Rotation in radians. */
  angle: number;
  /** Aspect stretch along the shape's own x axis (1 = none). */
  stretch: number;
}

/** The family's outline placed in the image, as a closed-ring multipolygon (polygon-clipping form). */
export function placeShape(family: ShapeFamily, pose: Pose): MultiPolygon {
  const cos = Math.cos(pose.angle);
  const sin = Math.sin(pose.angle);
  return UNIT_SHAPES.get(family)!.map((poly) =>
    poly.map((ring) =>
      closed(
        ring.map(([x, y]): Pair => {
          const sx = x * pose.radius * pose.stretch;
          const sy = y * pose.radius;
          return [pose.cx + sx * cos - sy * sin, pose.cy + sx * sin + sy * cos];
        }),
      ),
    ),
  );
}
