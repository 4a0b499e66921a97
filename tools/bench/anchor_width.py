"""The PyTorch anchor at another network width: torch_ref.py run as it is, but for the default width
of its FourierMLP (ch=128), which is replaced by WIDTH before the script runs. Fails loudly when the
anchor no longer has that default (the replacement must happen exactly once).

Usage: /usr/bin/python3 anchor_width.py /work/shared/anchors/torch_ref.py WIDTH MODE BATCH [ITERS] [N]
"""
import sys

path, width = sys.argv[1], int(sys.argv[2])
source = open(path).read()
default = "def __init__(self, d=2, layers=3, ch=128):"
if source.count(default) != 1:
    sys.exit(f"anchor_width.py: {path} does not define '{default}' exactly once; cannot set the width")
source = source.replace(default, f"def __init__(self, d=2, layers=3, ch={width}):")
sys.argv = [path] + sys.argv[3:]
exec(compile(source, path, "exec"), {"__name__": "__main__"})
