import { describe, expect, it } from 'vitest';
import { textTable } from './held_out_table.js';

describe('textTable', () => {
  it('pads each column to its widest cell, left or right, under a dashed line, trimming trailing spaces', () => {
    const table = textTable(
      [
        ['model', 'NLL', 'note'],
        ['ODE', '1.25', 'rk45'],
        ['bound', '10.5', ''],
      ],
      ['left', 'right', 'left'],
    );
    expect(table.split('\n')).toEqual(['model   NLL  note', '-----  ----  ----', 'ODE    1.25  rk45', 'bound  10.5']);
  });

  it('a header alone is the header and its dashes', () => {
    expect(textTable([['a', 'bb']], ['right', 'left'])).toBe('a  bb\n-  --');
  });

  it('refuses no rows and ragged rows, naming the row', () => {
    expect(() => textTable([], ['left'])).toThrow(RangeError);
    expect(() => textTable([['a', 'b'], ['c']], ['left', 'left'])).toThrow(/row 1 has 1 cells; align names 2 columns/);
  });
});
