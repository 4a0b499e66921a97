/**
 * PNG figures of DiffFlow experiments: density scatters, heat maps, panel strips, image grids and
 * line plots with labelled axes, drawn into RGBA rasters with a pixel font and encoded by pngjs.
 * @module @diffflow/figures
 */
/**
 * @diffflow/figures: the figures a run writes. `raster.ts` is the image every figure draws into,
 * `text.ts` the pixel font, `plot.ts` the geometry (bounds, ticks; also browser-safe at
 * `@diffflow/figures/plot`) and `png.ts` the plots and the PNG bytes.
 */
export { blankImage, pixelAt } from './raster.js';
export type { RgbaImage, Rgb } from './raster.js';

export {
  scatterPng,
  scatterImage,
  heatmapPng,
  heatmapImage,
  panelsPng,
  panelsImage,
  imageGridPng,
  imageGridImage,
  linePlotPng,
  linePlotImage,
  encodePng,
  decodePng,
  colormap,
  colormapNames,
  categoricalPalette,
} from './png.js';
export type {
  AxesText,
  ScatterOptions,
  HeatmapOptions,
  PanelsOptions,
  ImageGridOptions,
  LineSeries,
  LinePlotOptions,
  ColormapName,
} from './png.js';

export { dataBounds, squareBounds, niceStep, niceTicks, tickLabel, logTicks, logTickLabel } from './plot.js';
export type { Bounds } from './plot.js';
export { drawText, textWidth, TEXT_HEIGHT } from './text.js';
export type { TextOptions } from './text.js';
