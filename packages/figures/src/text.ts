/**
 * Text in PNG figures: titles, axis labels and tick labels, rasterised with the "Seven plus" pixel
 * font of js-pixel-fonts (7 px capitals and digits, 2 px descenders, printable ASCII). Characters
 * the font lacks are drawn as '?'. Node-side (png.ts); the browser draws its text on a canvas.
 */
import pixelFonts from 'js-pixel-fonts';
import { setPixel, type Rgb, type RgbaImage } from './raster.js';

const FONT = pixelFonts.fonts.sevenPlus;

/** Height in pixels of capitals and digits at scale 1 (descenders go 2 px below). */
export const TEXT_HEIGHT = FONT.lineHeight;

/** The font's 0/1 rows of `text` ([rows][columns], row 0 at the top of the capitals). */
function textPixels(text: string): readonly (readonly number[])[] {
  const known = [...text].map((ch) => (FONT.glyphs[ch] === undefined ? '?' : ch)).join('');
  if (known.length === 0) return [];
  return pixelFonts.renderPixels(known, FONT);
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale = 1): number {
  const rows = textPixels(text);
  return scale * rows.reduce((w, r) => Math.max(w, r.length), 0);
}

/** How text is drawn into an image: size and colour. */
export interface TextOptions {
  /** Integer magnification of each font pixel (default 1). */
  scale?: number;
  /** Where `x` is: the text's left end, centre or right end (default 'left'). */
  align?: 'left' | 'center' | 'right';
  /** Turned 90° anticlockwise, reading upwards; then `x` is the left of the capitals and `y` the centre (align 'center') or bottom of the line. */
  vertical?: boolean;
}

/**
 * Draws `text` into `image` in `color`, its capitals' top at `y` (horizontal text); pixels outside
 * the image are dropped.
 */
export function drawText(image: RgbaImage, text: string, x: number, y: number, color: Rgb, opts: TextOptions = {}): void {
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new RangeError(`text: scale must be an integer from 1 to 16, got ${scale}`);
  const rows = textPixels(text);
  const width = scale * rows.reduce((w, r) => Math.max(w, r.length), 0);
  const shift = opts.align === 'center' ? Math.floor(width / 2) : opts.align === 'right' ? width : 0;
  rows.forEach((row, r) =>
    row.forEach((on, c) => {
      if (on !== 1) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const u = c * scale + dx - shift; // along the text
          const v = r * scale + dy; // down from the capitals' top
          // vertical: the text's top faces left, so "down the glyph" is +x and "along" is −y.
          const px = opts.vertical === true ? x + v : x + u;
          const py = opts.vertical === true ? y - u : y + v;
          setPixel(image, px, py, color);
        }
    }),
  );
}
