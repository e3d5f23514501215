// LVIS category ids to the model's contiguous labels 0..C-1 and back.

import type { LVISCategory } from 'lvis-ts-types';

/**
 * Category ids to contiguous labels 0..C-1, in ascending id order (as mmdetection orders
 * LVIS classes). Label C is background inside the model.
 */
export class LabelMap {
  readonly categoryIds: readonly number[];
  readonly #labelOf: Map<number, number>;

  constructor(categoryIds: readonly number[]) {
    this.categoryIds = [...categoryIds].sort((a, b) => a - b);
    this.#labelOf = new Map(this.categoryIds.map((id, label) => [id, label]));
    if (this.#labelOf.size !== this.categoryIds.length) {
      throw new Error('label map: category ids must be unique');
    }
  }

  static fromCategories(categories: readonly Pick<LVISCategory, 'id'>[]): LabelMap {
    return new LabelMap(categories.map((c) => c.id));
  }

  get numClasses(): number {
    return this.categoryIds.length;
  }

  /** The contiguous label of a category id; undefined for an id not in the file. */
  tryLabelOf(categoryId: number): number | undefined {
    return this.#labelOf.get(categoryId);
  }

  labelOf(categoryId: number): number {
    const label = this.#labelOf.get(categoryId);
    if (label === undefined) throw new RangeError(`label map: unknown category id ${categoryId}`);
    return label;
  }

  categoryIdOf(label: number): number {
    const id = this.categoryIds[label];
    if (id === undefined) {
      throw new RangeError(`label map: label ${label} outside 0..${this.numClasses - 1}`);
    }
    return id;
  }
}
