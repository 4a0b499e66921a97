#!/usr/bin/env python3
"""
Writes the small test fixtures of @diffflow/datasets under test-data/datasets/ (everything except
the HDF5 file, which scripts/make-hdf5-fixture.ts writes with h5wasm):

  idx/        MNIST-format files: train split gzip-compressed (6 images), t10k split raw (4 images)
  cifar10/    cifar-10-batches-bin/ with five 2-record training batches and a 3-record test batch
  npy/        .npy variants: float64 C order, float64 Fortran order, float32, int64, big-endian
  pickles/    a pandas-DataFrame-shaped pickle written by Python 3 (protocol 5) and a list pickle
  maf/        the MAF release's file formats: power/data.npy, miniboone/data.npy,
              gas/ethylene_CO.pickle (Python 2 / pandas 0.x style, protocol 2, written opcode by
              opcode), hepmass/1000_train.csv and 1000_test.csv
  maf-expected/<name>/{train,validation,test}.npy
              the splits the MAF preprocessing gives for those files, computed here with numpy
              (numpy's RandomState(42) for POWER) independently of the TypeScript implementation

Image pixels follow closed formulas (see below) that the tests recompute. Run from anywhere:
  python3 packages/datasets/scripts/make_fixtures.py
Needs numpy only (pandas and h5py are not used: the pickles imitate pandas' layout).
"""
import copyreg
import gzip
import os
import pickle
import struct
import sys
import types

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test-data', 'datasets'))


def out(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


# ------------------------------------------------------------------------------------------------
# IDX: pixel(i, y, x) = (37 i + 11 y + 3 x) mod 256 for image i of the file; labels listed below
# ------------------------------------------------------------------------------------------------

IDX_LABELS = {'train': [3, 1, 4, 1, 5, 9], 't10k': [2, 7, 1, 8]}


def idx_bytes(arr):
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b''.join(struct.pack('>I', d) for d in arr.shape)
    return header + arr.tobytes()


def make_idx():
    for split, labels in IDX_LABELS.items():
        n = len(labels)
        i, y, x = np.meshgrid(np.arange(n), np.arange(28), np.arange(28), indexing='ij')
        images = (37 * i + 11 * y + 3 * x) % 256
        img, lab = idx_bytes(images), idx_bytes(labels)
        if split == 'train':
            # mtime=0 keeps the bytes reproducible
            write(out('idx', 'train-images-idx3-ubyte.gz'), gzip.compress(img, mtime=0))
            write(out('idx', 'train-labels-idx1-ubyte.gz'), gzip.compress(lab, mtime=0))
        else:
            write(out('idx', 't10k-images-idx3-ubyte'), img)
            write(out('idx', 't10k-labels-idx1-ubyte'), lab)


# ------------------------------------------------------------------------------------------------
# CIFAR-10: record g (counted over all files of a split), channel c, pixel (y, x):
#   value = (29 g + 71 c + 5 y + 3 x) mod 256, label = (3 g + 1) mod 10
# ------------------------------------------------------------------------------------------------

def cifar_records(g0, count):
    recs = []
    for g in range(g0, g0 + count):
        c, y, x = np.meshgrid(np.arange(3), np.arange(32), np.arange(32), indexing='ij')
        pix = ((29 * g + 71 * c + 5 * y + 3 * x) % 256).astype(np.uint8)
        recs.append(bytes([(3 * g + 1) % 10]) + pix.tobytes())
    return b''.join(recs)


def make_cifar():
    for b in range(5):
        write(out('cifar10', 'cifar-10-batches-bin', f'data_batch_{b + 1}.bin'), cifar_records(2 * b, 2))
    write(out('cifar10', 'cifar-10-batches-bin', 'test_batch.bin'), cifar_records(0, 3))


# ------------------------------------------------------------------------------------------------
# .npy variants: a = [[0.5, -1, 2.25], [3, 4.5, -6]]
# ------------------------------------------------------------------------------------------------

def make_npy():
    a = np.array([[0.5, -1.0, 2.25], [3.0, 4.5, -6.0]])
    np.save(out('npy', 'c_f8.npy'), a)
    np.save(out('npy', 'fortran_f8.npy'), np.asfortranarray(a))
    np.save(out('npy', 'f4.npy'), a.astype(np.float32))
    np.save(out('npy', 'i8.npy'), np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64))
    np.save(out('npy', 'be_f8.npy'), a.astype('>f8'))
    np.save(out('npy', 'rank3.npy'), np.zeros((2, 2, 2)))


# ------------------------------------------------------------------------------------------------
# The MAF preprocessing, in numpy (reference values for the TypeScript loaders)
# ------------------------------------------------------------------------------------------------

def tail_split(data):
    n_test = int(0.1 * data.shape[0])
    test, rest = data[-n_test:], data[:-n_test]
    n_val = int(0.1 * rest.shape[0])
    return rest[:-n_val], rest[-n_val:], test


def save_expected(name, train, validation, test):
    for split, arr in (('train', train), ('validation', validation), ('test', test)):
        np.save(out('maf-expected', name, f'{split}.npy'), np.ascontiguousarray(arr, dtype=np.float32))


def standardize_by_train_val(train, validation, test):
    both = np.vstack((train, validation))
    mu, s = both.mean(axis=0), both.std(axis=0)
    return (train - mu) / s, (validation - mu) / s, (test - mu) / s


def make_power():
    rng = np.random.default_rng(1)
    n = 300
    raw = np.column_stack([
        np.round(rng.uniform(0.1, 5.0, n), 3),   # global active power
        np.round(rng.uniform(0.0, 0.5, n), 3),   # global reactive power
        np.round(rng.normal(240.0, 3.0, n), 2),  # voltage
        np.round(rng.uniform(0.2, 20.0, n), 1),  # global intensity
        rng.integers(0, 40, n).astype(float),    # sub-metering 1
        rng.integers(0, 40, n).astype(float),    # sub-metering 2
        rng.integers(0, 20, n).astype(float),    # sub-metering 3
        np.arange(n, dtype=float) % 1440,        # time of day in minutes
    ])
    np.save(out('maf', 'power', 'data.npy'), raw)

    data = raw.copy()
    state = np.random.RandomState(42)
    state.shuffle(data)
    data = np.delete(np.delete(data, 3, axis=1), 1, axis=1)
    voltage = 0.01 * state.rand(n, 1)
    gap = 0.001 * state.rand(n, 1)
    sub = state.rand(n, 3)
    data = data + np.hstack((gap, voltage, sub, np.zeros((n, 1))))
    save_expected('power', *standardize_by_train_val(*tail_split(data)))


def make_miniboone():
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(150, 5)) * np.array([1.0, 10.0, 0.1, 3.0, 50.0]) + np.array([0.0, 5.0, -1.0, 2.0, 100.0])
    np.save(out('maf', 'miniboone', 'data.npy'), raw)
    save_expected('miniboone', *standardize_by_train_val(*tail_split(raw)))


HEP_FEATURES = 8


def make_hepmass():
    rng = np.random.default_rng(3)

    def table(n, with_mass):
        label = rng.integers(0, 2, n).astype(float)
        feats = np.round(rng.normal(size=(n, HEP_FEATURES)), 6)
        # f6 is discrete: its smallest value occurs many times -> removed
        feats[:, 6] = rng.integers(0, 3, n).astype(float)
        # f7 repeats a middle value 12 times but its smallest value once -> kept (the MAF rule looks
        # at the count of the smallest value only)
        feats[: min(12, n), 7] = 0.25
        # the MAF rule's boundary: among the label-1 rows, f5's smallest value occurs 6 times
        # (removed), f4's exactly 5 times (kept)
        pos = np.flatnonzero(label == 1)
        feats[pos[:6], 5] = -5.0
        feats[pos[:5], 4] = -5.0
        cols = [label[:, None], feats]
        if with_mass:
            cols.append(np.full((n, 1), 1000.0))
        return np.hstack(cols)

    train, test = table(160, False), table(60, True)
    names = ['# label'] + [f'f{j}' for j in range(HEP_FEATURES)]
    with open(out('maf', 'hepmass', '1000_train.csv'), 'w') as f:
        f.write(', '.join(names) + '\n')
        for row in train:
            f.write(', '.join(repr(float(v)) for v in row) + '\n')
    with open(out('maf', 'hepmass', '1000_test.csv'), 'w') as f:
        f.write(', '.join(names + ['mass']) + '\n')
        for row in test:
            # a trailing delimiter on data lines, which pandas' index_col=False tolerates
            f.write(', '.join(repr(float(v)) for v in row) + ',\n')

    tr = train[train[:, 0] == 1][:, 1:]
    te = test[test[:, 0] == 1][:, 1:-1]
    mu, s = tr.mean(axis=0), tr.std(axis=0, ddof=1)
    tr, te = (tr - mu) / s, (te - mu) / s
    keep = []
    for j in range(tr.shape[1]):
        smallest = tr[:, j].min()
        if np.count_nonzero(tr[:, j] == smallest) <= 5:
            keep.append(j)
    assert keep == [0, 1, 2, 3, 4, 7], keep
    tr, te = tr[:, keep], te[:, keep]
    n_val = int(0.1 * tr.shape[0])
    save_expected('hepmass', tr[:-n_val], tr[-n_val:], te)


GAS_COLUMNS = ['Time', 'Meth', 'Eth', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6']


def gas_frame():
    rng = np.random.default_rng(4)
    n = 200
    s = rng.normal(size=(n, 6)) * np.array([2.0, 1.0, 1.0, 3.0, 1.0, 0.5]) + 10.0
    s[:, 2] = 2 * s[:, 0] + 0.01 * rng.normal(size=n)   # S3 ~ 2 S1: correlation > 0.98, S1 is dropped
    s[:, 4] = -s[:, 3] + 0.01 * rng.normal(size=n)      # S5 ~ -S4: negative correlation, kept
    time = np.arange(n, dtype=np.int64) * 3
    meth = np.round(rng.uniform(0, 300, n), 2)
    eth = np.round(rng.uniform(0, 20, n), 2)
    floats = np.column_stack([meth, eth, s])           # columns 1..8
    return time, floats


def make_gas_expected():
    time, floats = gas_frame()
    data = floats[:, 2:]                               # drop Meth, Eth (and Time, an int block)
    names = GAS_COLUMNS[3:]
    while True:
        c = np.corrcoef(data, rowvar=False)
        counts = (c > 0.98).sum(axis=1)
        if not np.any(counts > 1):
            break
        j = int(np.where(counts > 1)[0][0])
        data = np.delete(data, j, axis=1)
        names = names[:j] + names[j + 1:]
    assert names == ['S2', 'S3', 'S4', 'S5', 'S6'], names
    data = (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)
    save_expected('gas', *tail_split(data))


# --- a pickle in the layout Python 2 / pandas 0.x wrote, opcode by opcode (protocol 2) ----------

class Op:
    def __init__(self):
        self.b = bytearray(b'\x80\x02')

    def raw(self, data):
        self.b += data
        return self

    def glob(self, module, name):
        return self.raw(b'c' + module.encode() + b'\n' + name.encode() + b'\n')

    def string(self, s):  # a Python 2 str
        data = s if isinstance(s, bytes) else s.encode('latin-1')
        if len(data) < 256:
            return self.raw(b'U' + bytes([len(data)]) + data)
        return self.raw(b'T' + struct.pack('<I', len(data)) + data)

    def int(self, v):
        if 0 <= v < 256:
            return self.raw(b'K' + bytes([v]))
        return self.raw(b'J' + struct.pack('<i', v))

    def mark(self):
        return self.raw(b'(')

    def tuple(self):
        return self.raw(b't')

    def none(self):
        return self.raw(b'N')

    def put(self, k):
        return self.raw(b'q' + bytes([k]))

    def get(self, k):
        return self.raw(b'h' + bytes([k]))

    def dtype(self, code, order):
        self.glob('numpy', 'dtype').mark().string(code).int(0).int(1).tuple().raw(b'R')
        self.mark().int(3).string(order).none().none().none().int(-1).int(-1).int(0).tuple().raw(b'b')
        return self

    def ndarray(self, arr):
        self.glob('numpy.core.multiarray', '_reconstruct').mark().glob('numpy', 'ndarray').mark().int(0).tuple().string('b').tuple().raw(b'R')
        fortran = arr.ndim == 2 and arr.flags.f_contiguous and not arr.flags.c_contiguous
        self.mark().int(1).mark()
        for d in arr.shape:
            self.int(d)
        self.tuple()
        if arr.dtype == object:
            self.dtype('O8', '|').raw(b'\x89' if not fortran else b'\x88')
            self.raw(b']').mark()
            for v in arr.ravel():
                self.string(v)
            self.raw(b'e')
        else:
            self.dtype(arr.dtype.str[1:], '<').raw(b'\x88' if fortran else b'\x89')
            self.string(arr.tobytes(order='F' if fortran else 'C'))
        return self.tuple().raw(b'b')

    def index(self, cls_module, cls_name, data):
        self.glob('pandas.indexes.base', '_new_Index').mark().glob(cls_module, cls_name)
        self.raw(b'}').mark().string('data')
        self.ndarray(data)
        self.string('name').none().raw(b'u')
        return self.tuple().raw(b'R')


def make_gas_pickle_py2():
    time, floats = gas_frame()
    n = time.shape[0]
    columns = np.array(GAS_COLUMNS, dtype=object)
    float_block = np.asfortranarray(floats.T)          # (8, n), Fortran order as DataFrame blocks are
    int_block = time.reshape(1, n)                     # (1, n), C order
    p = Op()
    p.glob('pandas.core.frame', 'DataFrame').raw(b')\x81')
    p.raw(b'}').mark()
    p.string('_data')
    p.glob('pandas.core.internals', 'BlockManager').raw(b')\x81')
    p.mark()
    # axes: [columns, row index], memoised as 1 (the extra state refers to it again)
    p.raw(b']').put(1).mark()
    p.index('pandas.indexes.base', 'Index', columns)
    p.index('pandas.indexes.numeric', 'Int64Index', np.arange(n, dtype=np.int64))
    p.raw(b'e')
    # block values (memoised as 2 and 3 for the extra state) and block items
    p.raw(b']').mark()
    p.ndarray(float_block).put(2)
    p.ndarray(int_block).put(3)
    p.raw(b'e')
    p.raw(b']').mark()
    p.index('pandas.indexes.base', 'Index', np.array(GAS_COLUMNS[1:], dtype=object))
    p.index('pandas.indexes.base', 'Index', np.array(GAS_COLUMNS[:1], dtype=object))
    p.raw(b'e')
    # extra state {'0.14.1': {'axes': axes, 'blocks': [{'values', 'mgr_locs'}, …]}}
    p.raw(b'}').string('0.14.1').raw(b'}').mark()
    p.string('axes').get(1)
    p.string('blocks').raw(b']').mark()
    p.raw(b'}').mark().string('values').get(2).string('mgr_locs').ndarray(np.arange(1, 9, dtype=np.int64)).raw(b'u')
    p.raw(b'}').mark().string('values').get(3).string('mgr_locs')
    p.glob('__builtin__', 'slice').mark().int(0).int(1).int(1).tuple().raw(b'R')
    p.raw(b'u')
    p.raw(b'e')
    p.raw(b'u')  # inner dict
    p.raw(b's')  # outer dict['0.14.1']
    p.tuple()    # (axes, values, items, extra)
    p.raw(b'b')  # BlockManager state
    p.string('_typ').string('dataframe')
    p.string('_metadata').raw(b']')
    p.raw(b'u')  # DataFrame state dict
    p.raw(b'b.')
    write(out('maf', 'gas', 'ethylene_CO.pickle'), bytes(p.b))


# --- the same kind of frame written by Python 3's pickle (protocol 5), with stand-in classes ----

def fake_module(name):
    mod = types.ModuleType(name)
    sys.modules[name] = mod
    return mod


def make_py3_pickle():
    for name in ['pandas', 'pandas.core', 'pandas.core.frame', 'pandas.core.internals',
                 'pandas.core.internals.managers', 'pandas.core.indexes', 'pandas.core.indexes.base',
                 'pandas.core.indexes.range']:
        fake_module(name)

    def _new_Index(cls, d):
        raise NotImplementedError

    _new_Index.__module__ = 'pandas.core.indexes.base'
    _new_Index.__qualname__ = '_new_Index'
    sys.modules['pandas.core.indexes.base']._new_Index = _new_Index

    def cls(module, name, reduce):
        c = type(name, (), {'__reduce_ex__': reduce})
        c.__module__ = module
        c.__qualname__ = name
        setattr(sys.modules[module], name, c)
        return c

    Index = cls('pandas.core.indexes.base', 'Index', lambda self, proto: (_new_Index, (Index, {'data': self.data, 'name': None})))
    RangeIndex = cls('pandas.core.indexes.range', 'RangeIndex', lambda self, proto: (_new_Index, (RangeIndex, {'name': None, 'start': 0, 'stop': self.n, 'step': 1})))
    BlockManager = cls('pandas.core.internals.managers', 'BlockManager', lambda self, proto: (copyreg.__newobj__, (BlockManager,), self.state))
    DataFrame = cls('pandas.core.frame', 'DataFrame', lambda self, proto: (copyreg.__newobj__, (DataFrame,), {'_mgr': self.mgr, '_typ': 'dataframe', '_metadata': [], 'attrs': {}, '_flags': {'allows_duplicate_labels': True}}))

    values = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.75]])  # 3 rows, columns 'a', 'b'
    names = ['a', 'b']
    cols = Index()
    cols.data = np.array(names, dtype=object)
    rows = RangeIndex()
    rows.n = 3
    mgr = BlockManager()
    axes = [cols, rows]
    block = np.asfortranarray(values)  # (2 columns, 3 rows)
    mgr.state = (axes, [block], [cols], {'0.14.1': {'axes': axes, 'blocks': [{'values': block, 'mgr_locs': slice(0, 2, 1)}]}})
    frame = DataFrame()
    frame.mgr = mgr
    write(out('pickles', 'frame-py3.pickle'), pickle.dumps(frame, protocol=5))
    write(out('pickles', 'list.pickle'), pickle.dumps([1, 2, 3], protocol=2))


def main():
    make_idx()
    make_cifar()
    make_npy()
    make_power()
    make_miniboone()
    make_hepmass()
    make_gas_expected()
    make_gas_pickle_py2()
    make_py3_pickle()
    print('fixtures written to', ROOT)


if __name__ == '__main__':
    main()
