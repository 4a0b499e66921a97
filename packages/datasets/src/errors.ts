/**
 * Errors at the package's boundary (files, bytes, names): a tagged union, one variant per way a
 * dataset can fail to load, and a formatter that turns any of them into one line naming the
 * file, where it was looked for, what was expected and how to obtain the data.
 */

/** The file (or every candidate location) does not exist or cannot be read. */
export interface FileNotFound {
  readonly _tag: 'FileNotFound';
  /** The file that was wanted (or the first candidate). */
  readonly path: string;
  /** Every location that was tried, in order. */
  readonly lookedIn: readonly string[];
  /** How to obtain the file. */
  readonly hint: string;
}

/** The file ends before the size its header or format implies. */
export interface Truncated {
  readonly _tag: 'Truncated';
  readonly path: string;
  readonly expectedBytes: number;
  readonly actualBytes: number;
}

/** The file does not start with the format's signature. */
export interface BadMagic {
  readonly _tag: 'BadMagic';
  readonly path: string;
  readonly expected: string;
  readonly actual: string;
}

/** Counts that must agree (images vs labels, columns vs header, rows vs shape) do not. */
export interface InconsistentCounts {
  readonly _tag: 'InconsistentCounts';
  readonly path: string;
  /** What is being counted, e.g. 'labels vs images'. */
  readonly what: string;
  readonly expected: number;
  readonly actual: number;
}

/** The file is readable but its content is not what the format allows. */
export interface Malformed {
  readonly _tag: 'Malformed';
  readonly path: string;
  readonly reason: string;
}

/** A dataset name that is not one of the allowed names. */
export interface UnknownDataset {
  readonly _tag: 'UnknownDataset';
  readonly name: string;
  readonly allowed: readonly string[];
}

/** Everything a loader can fail with. */
export type DatasetError = FileNotFound | Truncated | BadMagic | InconsistentCounts | Malformed | UnknownDataset;

/** Constructors, so call sites read as the error they build. */
export const datasetError = {
  /** A dataset file is missing (with where it was looked for and how to get it). */
  fileNotFound: (path: string, lookedIn: readonly string[], hint: string): DatasetError => ({ _tag: 'FileNotFound', path, lookedIn, hint }),
  /** A file is shorter than its header says. */
  truncated: (path: string, expectedBytes: number, actualBytes: number): DatasetError => ({
    _tag: 'Truncated',
    path,
    expectedBytes,
    actualBytes,
  }),
  /** A file does not start with its format's magic number. */
  badMagic: (path: string, expected: string, actual: string): DatasetError => ({ _tag: 'BadMagic', path, expected, actual }),
  /** Two counts that must agree (e.g. images and labels) differ. */
  inconsistentCounts: (path: string, what: string, expected: number, actual: number): DatasetError => ({
    _tag: 'InconsistentCounts',
    path,
    what,
    expected,
    actual,
  }),
  /** A file cannot be parsed. */
  malformed: (path: string, reason: string): DatasetError => ({ _tag: 'Malformed', path, reason }),
  /** A dataset name that is not one of `allowed`. */
  unknownDataset: (name: string, allowed: readonly string[]): DatasetError => ({ _tag: 'UnknownDataset', name, allowed }),
} as const;

/** Where to get each kind of file, keyed by a short source name used in hints. */
export const obtainHints = {
  mafRelease:
    'download the MAF data release (Papamakarios et al. 2017, https://zenodo.org/record/1161203, data.tar.gz) and extract it so that <root>/<dataset>/… exists',
  mnist: 'get the four IDX files from http://yann.lecun.com/exdb/mnist/ (or a mirror); gzip or raw both work',
  fashionMnist:
    'get the IDX files from https://github.com/zalandoresearch/fashion-mnist (data/fashion), or on Debian/Ubuntu `apt install dataset-fashion-mnist` (see `dpkg -L dataset-fashion-mnist` for the path)',
  cifar10: 'download the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html and extract it',
  npySplits: 'write <dir>/<dataset>/{train,validation,test}.npy (float32 or float64, [n, d]) from a preprocessed copy',
} as const;

const show = (s: string): string => JSON.stringify(s);

/** One line describing the error: the file, where it was looked for, what is allowed, how to fix it. */
export function formatDatasetError(e: DatasetError): string {
  switch (e._tag) {
    case 'FileNotFound': {
      const where = e.lookedIn.length > 0 ? e.lookedIn.map(show).join(', ') : show(e.path);
      return `dataset file not found: ${show(e.path)} (looked in ${where}); to obtain it: ${e.hint}`;
    }
    case 'Truncated':
      return `dataset file truncated: ${show(e.path)} has ${e.actualBytes} bytes but its format requires ${e.expectedBytes}; re-download or re-extract it`;
    case 'BadMagic':
      return `not the expected format: ${show(e.path)} starts with ${e.actual}, expected ${e.expected}; check that the right file was given`;
    case 'InconsistentCounts':
      return `inconsistent dataset file: ${show(e.path)}: ${e.what}: expected ${e.expected}, got ${e.actual}`;
    case 'Malformed':
      return `malformed dataset file: ${show(e.path)}: ${e.reason}`;
    case 'UnknownDataset':
      return `unknown dataset ${show(e.name)}; allowed: ${e.allowed.join(', ')}`;
  }
}

/** Hex of the first bytes of a buffer, for BadMagic messages: '0x00000803'. */
export function hexPrefix(bytes: Uint8Array, count: number): string {
  const head = Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, '0')).join('');
  return bytes.length === 0 ? '(empty file)' : `0x${head}`;
}
