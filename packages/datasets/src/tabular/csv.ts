/**
 * Numeric CSV files with a header line (the HEPMASS files of the MAF release), streamed through
 * csv-parse so large files are never held as one string.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse, type Info } from 'csv-parse';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { datasetError, type DatasetError } from '../errors.js';
import { fsError } from '../files.js';
import type { Matrix64 } from './matrix.js';

/** A numeric table: the header's names and the values [rows, header.length]. */
export interface NumericTable {
  readonly header: readonly string[];
  readonly values: Matrix64;
}

class CsvProblem extends Error {
  constructor(readonly error: DatasetError) {
    super(error._tag);
  }
}

/** Growable float64 storage. */
class Float64Builder {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  finish(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

/** Parses one record's fields as numbers (the header is handled by the caller). */
function parseRecord(fields: readonly string[], width: number, line: number, path: string, out: Float64Builder): void {
  // pandas with index_col=False tolerates one trailing delimiter per data line: drop an empty extra field
  const n = fields.length === width + 1 && fields[width] === '' ? width : fields.length;
  if (n !== width) throw new CsvProblem(datasetError.inconsistentCounts(path, `fields on line ${line} vs header columns`, width, fields.length));
  for (let j = 0; j < width; j++) {
    const s = fields[j]!;
    const v = s === '' ? NaN : Number(s);
    if (!Number.isFinite(v)) throw new CsvProblem(datasetError.malformed(path, `line ${line}, column ${j + 1}: ${JSON.stringify(s.slice(0, 40))} is not a finite number`));
    out.push(v);
  }
}

/**
 * Reads a CSV file whose first line names the columns and whose other lines are numbers.
 * @param hint how to obtain the file, for a FileNotFound error
 * @returns the header and the values [rows, columns]
 */
export function readNumericCsv(path: string, hint: string): TE.TaskEither<DatasetError, NumericTable> {
  return async () => {
    try {
      const st = await stat(path);
      if (!st.isFile()) return E.left(datasetError.malformed(path, 'is not a regular file'));
    } catch (e) {
      return E.left(fsError(path, hint)(e));
    }
    const parser = parse({ delimiter: ',', trim: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: false, info: true });
    const input = createReadStream(path);
    input.on('error', (e) => parser.destroy(e));
    input.pipe(parser);
    let header: string[] | undefined;
    const values = new Float64Builder();
    let rows = 0;
    try {
      for await (const rec of parser as AsyncIterable<{ record: string[]; info: Info }>) {
        if (header === undefined) {
          header = rec.record;
          if (header.length === 0) throw new CsvProblem(datasetError.malformed(path, 'the header line is empty'));
          continue;
        }
        parseRecord(rec.record, header.length, rec.info.lines, path, values);
        rows++;
      }
    } catch (e) {
      input.destroy();
      if (e instanceof CsvProblem) return E.left(e.error);
      const message = e instanceof Error ? e.message : String(e);
      return E.left(datasetError.malformed(path, `not a valid CSV file (${message})`));
    }
    if (header === undefined) return E.left(datasetError.malformed(path, 'the file is empty (expected a header line and numeric rows)'));
    return E.right({ header, values: { data: values.finish(), rows, cols: header.length } });
  };
}
