/**
 * The vocabulary of a DiffFlow-vs-DDPM comparison (toy2d:compare, images:compare, or your own): the
 * two models in the order tables and figures show them, their titles and their colours.
 */
import { categoricalPalette, type Rgb } from '@diffflow/figures';

/** The two models of a comparison, in the order they are shown: DiffFlow, then the DDPM baseline. */
export const compareModels = ['diffflow', 'ddpm'] as const;

/** A model of a comparison, as results files key it. */
export type CompareModel = (typeof compareModels)[number];

/** How a model is named in tables, figures and logs. */
export const modelTitles: Readonly<Record<CompareModel, string>> = { diffflow: 'DiffFlow', ddpm: 'DDPM' };

/** A model's colour in plots: DiffFlow the categorical colour 0 (blue), DDPM colour 1 (orange); `floor` (data against data) grey. */
export const compareColours: Readonly<Record<CompareModel | 'floor', Rgb>> = {
  diffflow: categoricalPalette[0]!,
  ddpm: categoricalPalette[1]!,
  floor: categoricalPalette[7]!,
};
