/**
 * A pandas DataFrame of numbers from a pickle (what `DataFrame.to_pickle` writes), decoded with
 * pickleparser and a name resolver that rebuilds just enough of numpy and pandas.
 *
 * What is understood (best effort — pandas has no stable pickle format, and the MAF release's
 * gas/ethylene_CO.pickle could not be inspected here, so prefer preprocessed .npy splits when in
 * doubt):
 * - the DataFrame itself: `copy_reg._reconstructor` / NEWOBJ of any pandas `DataFrame` class, whose
 *   state is a dict holding the BlockManager under `_data` (pandas < 1.1) or `_mgr`;
 * - the BlockManager state (axes, block values, block items, extra state): block placements from
 *   the extra state `{'0.14.1': {'axes', 'blocks': [{'values', 'mgr_locs'}]}}` when present, else by
 *   matching block item names to the columns;
 * - Index objects from `_new_Index(cls, {'data': …})` (any pandas module path) or an ndarray
 *   subclass state;
 * - numpy arrays from `numpy.core.multiarray._reconstruct` (or `numpy._core…`) plus their state
 *   (version, shape, dtype, fortran flag, raw data): raw data as bytes (Python 3, BINBYTES or
 *   `_codecs.encode(…, 'latin1')`) or as a Python 2 str (pickleparser decodes those with a
 *   one-byte codec; the bytes are recovered through its inverse), and object arrays as lists;
 * - numeric dtypes f4/f8/i1…i8/u1…u8, little-endian or byte-order free.
 * Anything else gives a Malformed error that names what was found.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Parser } from 'pickleparser';
import { datasetError, hexPrefix, type DatasetError } from '../errors.js';

/** A data frame's numeric columns, values row-major [rows, columns.length]. */
export interface NumericFrame {
  readonly columns: readonly string[];
  readonly rows: number;
  readonly values: Float64Array;
}

/** A Python object rebuilt from a GLOBAL / REDUCE / NEWOBJ, with its BUILD state. */
class PyObject {
  state: unknown = undefined;
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly unknown[],
  ) {}
  __setstate__(state: unknown): void {
    this.state = state;
  }
}

/** A Python slice(start, stop, step). */
interface PySlice {
  readonly kind: 'slice';
  readonly start: number | null;
  readonly stop: number | null;
  readonly step: number | null;
}

/** A decoded numpy array (numbers widened to float64, or an object array's items). */
interface NdArray {
  readonly kind: 'ndarray';
  readonly shape: readonly number[];
  readonly numbers?: Float64Array;
  readonly objects?: readonly unknown[];
}

type Callable = ((...args: unknown[]) => unknown) & { readonly pyModule?: string; readonly pyName?: string };

/** A global that works both as a class (NEWOBJ, Reflect.construct) and as a function (REDUCE). */
function pyClass(module: string, name: string): Callable {
  const f = function (...args: unknown[]): PyObject {
    return new PyObject(module, name, args);
  };
  return Object.assign(f, { pyModule: module, pyName: name });
}

function isPyObject(v: unknown, name?: string): v is PyObject {
  return v instanceof PyObject && (name === undefined || v.name === name);
}

/** Byte values of the code points pickleparser's one-byte ('ascii' = windows-1252) decoder produces. */
const ONE_BYTE_INVERSE: ReadonlyMap<number, number> = (() => {
  const decoded = new TextDecoder('ascii').decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const map = new Map<number, number>();
  for (let i = 0; i < decoded.length; i++) map.set(decoded.charCodeAt(i), i);
  return map;
})();

function stringToBytes(s: string, latin1: boolean): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = latin1 ? (c <= 0xff ? c : undefined) : ONE_BYTE_INVERSE.get(c);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

class DecodeError extends Error {}

function fail(reason: string): never {
  throw new DecodeError(reason);
}

const nameResolver = {
  resolve(module: string, name: string): Callable {
    const full = `${module}.${name}`;
    switch (full) {
      case 'copy_reg._reconstructor':
      case 'copyreg._reconstructor':
        return (cls: unknown, _base: unknown, state: unknown) => {
          const c = cls as Callable;
          const obj = new PyObject(c.pyModule ?? '?', c.pyName ?? '?', []);
          if (state !== null && state !== undefined) obj.state = state;
          return obj;
        };
      case '_codecs.encode':
        return (s: unknown, encoding: unknown) => {
          if (typeof s !== 'string') fail('_codecs.encode of a non-string');
          const bytes = stringToBytes(s, String(encoding).toLowerCase().replace('-', '') === 'latin1');
          return bytes ?? fail(`_codecs.encode: cannot encode with ${String(encoding)}`);
        };
      case '__builtin__.slice':
      case 'builtins.slice':
        return (start: unknown, stop: unknown, step: unknown): PySlice => ({
          kind: 'slice',
          start: typeof start === 'number' ? start : null,
          stop: typeof stop === 'number' ? stop : null,
          step: typeof step === 'number' ? step : null,
        });
      case 'numpy.core.multiarray._reconstruct':
      case 'numpy._core.multiarray._reconstruct':
        return (cls: unknown) => {
          const c = cls as Callable;
          return new PyObject(c.pyModule ?? 'numpy', c.pyName ?? 'ndarray', []);
        };
      case 'numpy.core.numeric._frombuffer':
      case 'numpy._core.numeric._frombuffer':
        return (buf: unknown, dtype: unknown, shape: unknown, order: unknown) =>
          decodeRaw(buf, dtype, Array.isArray(shape) ? (shape as unknown[]) : [], order === 'F');
      default:
        if (name === '_new_Index') {
          return (cls: unknown, d: unknown) => {
            const c = cls as Callable;
            const obj = new PyObject(c.pyModule ?? 'pandas', c.pyName ?? 'Index', [d]);
            obj.state = d;
            return obj;
          };
        }
        return pyClass(module, name);
    }
  },
};

const ITEM: Readonly<Record<string, { size: number; read: (v: DataView, o: number, le: boolean) => number }>> = {
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
};

/** The dtype code ('f8', 'O', …) and byte order of a numpy dtype object (or a string like '<f8'). */
function dtypeOf(dtype: unknown): { code: string; littleEndian: boolean } {
  let code: string;
  let order = '<';
  if (typeof dtype === 'string') {
    code = dtype.replace(/^[<>|=]/, '');
    if (/^[<>|=]/.test(dtype)) order = dtype[0]!;
  } else if (isPyObject(dtype, 'dtype')) {
    code = String(dtype.args[0] ?? '');
    const st = dtype.state;
    if (Array.isArray(st) && typeof st[1] === 'string') order = st[1];
  } else {
    return fail('an array without a dtype');
  }
  if (code === 'O8' || code === 'O4' || code === 'O') return { code: 'O', littleEndian: true };
  if (code === 'float64' || code === 'd') code = 'f8';
  if (code === 'float32') code = 'f4';
  if (code === 'int64') code = 'i8';
  return { code, littleEndian: order !== '>' };
}

function toShape(shape: readonly unknown[]): number[] {
  return shape.map((d) => (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? d : fail(`array shape entry ${String(d)}`)));
}

/** Raw buffer (bytes, Python 2 str or object list) of an array → NdArray in C order. */
function decodeRaw(raw: unknown, dtype: unknown, shapeIn: readonly unknown[], fortran: boolean): NdArray {
  const shape = toShape(shapeIn);
  const count = shape.reduce((a, b) => a * b, 1);
  const { code, littleEndian } = dtypeOf(dtype);
  if (code === 'O') {
    if (!Array.isArray(raw)) fail('an object array without a list of items');
    if (raw.length !== count) fail(`an object array of ${raw.length} items for shape (${shape.join(', ')})`);
    return { kind: 'ndarray', shape, objects: raw };
  }
  const item = ITEM[code] ?? fail(`unsupported array dtype '${code}'`);
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? stringToBytes(raw, false) : undefined;
  if (bytes === undefined) fail(`array data of type ${typeof raw}`);
  if (bytes.length !== count * item.size) fail(`array data of ${bytes.length} bytes for shape (${shape.join(', ')}) of ${code}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numbers = new Float64Array(count);
  if (fortran && shape.length === 2) {
    const [r, c] = shape as [number, number];
    for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) numbers[i * c + j] = item.read(view, (j * r + i) * item.size, littleEndian);
  } else {
    if (fortran && shape.length > 2) fail('a Fortran-ordered array of rank > 2');
    for (let i = 0; i < count; i++) numbers[i] = item.read(view, i * item.size, littleEndian);
  }
  return { kind: 'ndarray', shape, numbers };
}

/** An ndarray PyObject (or an already decoded array) → NdArray. */
function asArray(v: unknown, what: string): NdArray {
  if (typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'ndarray') return v as NdArray;
  if (!(v instanceof PyObject)) return fail(`${what}: expected a numpy array, found ${describe(v)}`);
  let st = v.state;
  // an ndarray subclass (old pandas Index): state = (ndarray state, subclass state)
  if (Array.isArray(st) && st.length === 2 && Array.isArray(st[0])) st = st[0];
  if (!Array.isArray(st)) return fail(`${what}: a ${v.module}.${v.name} without array state`);
  // (version, shape, dtype, is_fortran, raw) or, before numpy's versioned state, (shape, dtype, is_fortran, raw)
  const s = st.length === 5 ? st.slice(1) : st;
  if (s.length !== 4 || !Array.isArray(s[0])) return fail(`${what}: unexpected array state of length ${st.length}`);
  return decodeRaw(s[3], s[1], s[0] as unknown[], s[2] === true || s[2] === 1);
}

function describe(v: unknown): string {
  if (v instanceof PyObject) return `${v.module}.${v.name}`;
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  return v === null ? 'None' : typeof v;
}

function dictGet(d: unknown, key: string): unknown {
  if (typeof d !== 'object' || d === null) return undefined;
  if (d instanceof Map) return d.get(key);
  return Object.prototype.hasOwnProperty.call(d, key) ? (d as Record<string, unknown>)[key] : undefined;
}

/** Labels of a pandas Index (column names). */
function indexLabels(ix: unknown): string[] {
  let arr: NdArray;
  if (ix instanceof PyObject && dictGet(ix.state, 'data') !== undefined) arr = asArray(dictGet(ix.state, 'data'), 'column index');
  else arr = asArray(ix, 'column index');
  const items = arr.objects ?? (arr.numbers ? Array.from(arr.numbers) : []);
  return items.map((x) => (typeof x === 'string' || typeof x === 'number' ? String(x) : fail(`a column label of type ${describe(x)}`)));
}

/** Column positions of a block: from an int array or a slice. */
function placement(locs: unknown, ncols: number): number[] {
  if (typeof locs === 'object' && locs !== null && (locs as PySlice).kind === 'slice') {
    const s = locs as PySlice;
    const start = s.start ?? 0;
    const step = s.step ?? 1;
    const stop = s.stop ?? ncols;
    if (![start, stop, step].every(Number.isSafeInteger) || step <= 0 || start < 0) fail(`a block placement slice(${s.start}, ${s.stop}, ${s.step})`);
    const out: number[] = [];
    // positions past the last column are caught by the caller; stop looking after one of them
    for (let i = start; i < Math.min(stop, ncols + 1); i += step) out.push(i);
    return out;
  }
  const arr = asArray(locs, 'block placement');
  if (!arr.numbers) return fail('a block placement that is not numeric');
  return Array.from(arr.numbers);
}

function decodeFrame(root: unknown): NumericFrame {
  if (!(root instanceof PyObject) || !root.module.startsWith('pandas') || root.name !== 'DataFrame') {
    return fail(`the pickle holds ${describe(root)}, not a pandas DataFrame`);
  }
  const mgr = dictGet(root.state, '_mgr') ?? dictGet(root.state, '_data');
  if (!(mgr instanceof PyObject)) return fail(`the DataFrame's state has no block manager (found ${describe(mgr)})`);
  const st = mgr.state;
  if (!Array.isArray(st) || st.length < 3) return fail(`the block manager's state is ${describe(st)}, expected (axes, values, items[, extra])`);
  const axes = st[0];
  if (!Array.isArray(axes) || axes.length !== 2) return fail('the block manager does not have two axes');
  const columns = indexLabels(axes[0]);
  const extra = st.length >= 4 ? dictGet(st[3], '0.14.1') : undefined;
  const blocks: { values: NdArray; locs: number[] }[] = [];
  const extraBlocks = dictGet(extra, 'blocks');
  if (Array.isArray(extraBlocks)) {
    for (const b of extraBlocks) blocks.push({ values: asArray(dictGet(b, 'values'), 'block values'), locs: placement(dictGet(b, 'mgr_locs'), columns.length) });
  } else {
    const values = st[1];
    const items = st[2];
    if (!Array.isArray(values) || !Array.isArray(items) || values.length !== items.length) return fail('block values and block items do not pair up');
    values.forEach((v, k) => {
      const names = indexLabels(items[k]);
      blocks.push({ values: asArray(v, 'block values'), locs: names.map((nm) => (columns.includes(nm) ? columns.indexOf(nm) : fail(`block item '${nm}' is not a column`))) });
    });
  }
  let rows = -1;
  const filled = new Array<boolean>(columns.length).fill(false);
  const numeric: (Float64Array | undefined)[] = new Array(columns.length).fill(undefined);
  for (const { values, locs } of blocks) {
    const [k, r] = values.shape.length === 2 ? (values.shape as [number, number]) : values.shape.length === 1 ? [1, values.shape[0]!] : fail(`a block of rank ${values.shape.length}`);
    if (k !== locs.length) fail(`a block of ${k} columns placed at ${locs.length} positions`);
    if (rows === -1) rows = r;
    else if (rows !== r) fail(`blocks of ${rows} and ${r} rows`);
    locs.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= columns.length || filled[c]) fail(`a block placed at column ${c}`);
      filled[c] = true;
      if (values.numbers) numeric[c] = values.numbers.subarray(i * r, (i + 1) * r);
    });
  }
  if (filled.some((f) => !f)) fail('some columns are in no block');
  const numericCols = columns.map((_, c) => c).filter((c) => numeric[c] !== undefined);
  const n = Math.max(rows, 0);
  const out = new Float64Array(n * numericCols.length);
  numericCols.forEach((c, j) => {
    const col = numeric[c]!;
    for (let i = 0; i < n; i++) out[i * numericCols.length + j] = col[i]!;
  });
  return { columns: numericCols.map((c) => columns[c]!), rows: n, values: out };
}

/**
 * Decodes a pickled pandas DataFrame into its numeric columns (non-numeric columns are left out).
 * @param path names the file in errors
 * @returns the column names and values [rows, columns] row-major
 */
export function parsePandasPickle(bytes: Uint8Array, path: string): E.Either<DatasetError, NumericFrame> {
  if (bytes.length < 2 || bytes[0] !== 0x80 || bytes[1]! < 2 || bytes[1]! > 5) {
    return E.left(datasetError.badMagic(path, '0x80 0x02…0x05 (pickle protocol 2–5)', hexPrefix(bytes, 2)));
  }
  return E.tryCatch(
    () => {
      const parser = new Parser({ nameResolver, unpicklingTypeOfDictionary: 'object' });
      return decodeFrame(parser.parse(bytes));
    },
    (e) => {
      if (e instanceof DecodeError) return datasetError.malformed(path, `not a DataFrame this decoder understands: ${e.message}`);
      const msg = e instanceof Error ? e.message : String(e);
      if (/end of file|more bytes/i.test(msg)) return datasetError.malformed(path, `pickle ends early (truncated?): ${msg}`);
      return datasetError.malformed(path, `pickle could not be parsed: ${msg}`);
    },
  );
}
