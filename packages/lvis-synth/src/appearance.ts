// The appearance variants (colour and texture) that, with a shape family, make a class.

/** Surface pattern of an object, drawn in a darker shade of its colour. */
export type Texture = 'solid' | 'striped' | 'dotted' | 'checkered';

/** One appearance variant: a hue (HSL degrees) and a texture. */
export interface Variant {
  colour: string;
  hue: number;
  saturation: number;
  lightness: number;
  texture: Texture;
}

/** Appearance variants, in the order classes are built from them (first `variants` are used). */
export const VARIANTS: readonly Variant[] = [
  { colour: 'red', hue: 0, saturation: 75, lightness: 50, texture: 'solid' },
  { colour: 'blue', hue: 220, saturation: 70, lightness: 50, texture: 'striped' },
  { colour: 'green', hue: 125, saturation: 60, lightness: 42, texture: 'dotted' },
  { colour: 'yellow', hue: 52, saturation: 85, lightness: 55, texture: 'checkered' },
  { colour: 'purple', hue: 285, saturation: 55, lightness: 50, texture: 'solid' },
  { colour: 'cyan', hue: 185, saturation: 70, lightness: 45, texture: 'striped' },
];

export function variantName(v: Variant): string {
  return v.texture === 'solid' ? v.colour : `${v.colour}_${v.texture}`;
}
