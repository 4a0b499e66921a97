/**
 * The raster every figure draws into: an RGBA8 image (`RgbaImage`), a colour (`Rgb`), a blank
 * image, reading and painting one pixel, and colour parsing. png.ts (plots, PNG bytes) and text.ts
 * (the pixel font) both draw on it; it imports nothing.
 */

/** An RGBA8 image, rows top to bottom, 4 bytes a pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** A colour: red, green, blue in 0…255. */
export type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];

/** An image of `width` × `height` filled with `color` (default white). */
export function blankImage(width: number, height: number, color: Rgb = WHITE): RgbaImage {
  checkSize('width', width);
  checkSize('height', height);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = color[0];
    rgba[i + 1] = color[1];
    rgba[i + 2] = color[2];
    rgba[i + 3] = 255;
  }
  return { width, height, rgba };
}

/** Throws a `RangeError` naming `name` unless `n` is an image size: an integer from 1 to 16384. */
export function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 16384) throw new RangeError(`${name} must be an integer from 1 to 16384, got ${n}`);
}

/** The RGBA of pixel (x, y), y = 0 at the top. */
export function pixelAt(image: RgbaImage, x: number, y: number): [number, number, number, number] {
  const i = (y * image.width + x) * 4;
  const p = image.rgba;
  return [p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0, p[i + 3] ?? 0];
}

/** Paints pixel (x, y) opaque `c`; outside the image, nothing. */
export function setPixel(image: RgbaImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const i = (y * image.width + x) * 4;
  image.rgba[i] = c[0];
  image.rgba[i + 1] = c[1];
  image.rgba[i + 2] = c[2];
  image.rgba[i + 3] = 255;
}

/** '#rrggbb' or an [r, g, b] triple. */
export function parseColor(color: Rgb | string): Rgb {
  if (typeof color !== 'string') return color;
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (m === null) throw new RangeError(`colour must be '#rrggbb', got '${color}'`);
  return [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16), parseInt(m[3] as string, 16)];
}
