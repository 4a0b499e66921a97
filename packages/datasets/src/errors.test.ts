import { describe, expect, it } from 'vitest';
import { datasetError, formatDatasetError, hexPrefix, obtainHints, type DatasetError } from './errors.js';

describe('formatDatasetError', () => {
  const cases: [DatasetError, RegExp[]][] = [
    [
      datasetError.fileNotFound('/data/power/data.npy', ['/data/power/data.npy', '/data/power/train.npy'], obtainHints.mafRelease),
      [/"\/data\/power\/data\.npy"/, /looked in "\/data\/power\/data\.npy", "\/data\/power\/train\.npy"/, /zenodo\.org\/record\/1161203/],
    ],
    [datasetError.truncated('/x/train.idx', 800, 17), [/"\/x\/train\.idx" has 17 bytes but its format requires 800/]],
    [datasetError.badMagic('/x/a.npy', '0x934e554d5059', '0x00000803'), [/"\/x\/a\.npy" starts with 0x00000803, expected 0x934e554d5059/]],
    [datasetError.inconsistentCounts('/x/labels', 'labels vs images', 60000, 10000), [/"\/x\/labels": labels vs images: expected 60000, got 10000/]],
    [datasetError.malformed('/x/b.csv', 'line 3, column 2: "abc" is not a finite number'), [/malformed dataset file: "\/x\/b\.csv": line 3/]],
    [datasetError.unknownDataset('powr', ['power', 'gas']), [/unknown dataset "powr"; allowed: power, gas/]],
  ];

  it.each(cases)('%o: one line naming the file and what to do', (e, patterns) => {
    const line = formatDatasetError(e);
    expect(line).not.toMatch(/\n/);
    for (const p of patterns) expect(line).toMatch(p);
  });

  it('hexPrefix shows the first bytes, or says the file is empty', () => {
    expect(hexPrefix(new Uint8Array([0, 0, 8, 3, 9]), 4)).toBe('0x00000803');
    expect(hexPrefix(new Uint8Array([]), 4)).toBe('(empty file)');
  });
});
