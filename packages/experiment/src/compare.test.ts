import { describe, expect, it } from 'vitest';
import { categoricalPalette } from '@diffflow/figures';
import { compareColours, compareModels, modelTitles } from './compare.js';

describe('the vocabulary of a comparison', () => {
  it('shows DiffFlow first, then DDPM, each with its title and a colour of its own', () => {
    expect(compareModels).toEqual(['diffflow', 'ddpm']);
    expect(compareModels.map((m) => modelTitles[m])).toEqual(['DiffFlow', 'DDPM']);
    expect(compareColours.diffflow).toEqual(categoricalPalette[0]);
    expect(compareColours.ddpm).toEqual(categoricalPalette[1]);
    const distinct = new Set([compareColours.diffflow, compareColours.ddpm, compareColours.floor].map((c) => c.join(',')));
    expect(distinct.size).toBe(3);
  });
});
