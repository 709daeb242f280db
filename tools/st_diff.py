#!/usr/bin/env python3
"""tools/st_diff.py A.safetensors B.safetensors: the largest absolute and relative difference
between the tensors two safetensors files share (standard library only: no torch, no numpy,
so it runs on any machine that has Python). Prints one line:
    tensors N  max_abs X  max_rel Y  only_in_one M
where max_rel is max |a - b| / max(1, max |a|) over the tensors. Exit 1 when the files hold
different tensor names or shapes, or a file cannot be read.

Used by tools/gpu-check.sh to say how much a run resumed on another device differs from an
uninterrupted one."""
import json
import struct
import sys

FORMATS = {"F32": "f", "F64": "d", "I64": "q", "U32": "I"}


def load(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        fmt = FORMATS.get(meta["dtype"])
        if fmt is None:
            continue
        start, end = meta["data_offsets"]
        size = struct.calcsize(fmt)
        vals = struct.unpack(f"<{(end - start) // size}{fmt}", data[start:end])
        out[name] = (tuple(meta["shape"]), vals)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        a, b = load(sys.argv[1]), load(sys.argv[2])
    except (OSError, ValueError, KeyError, struct.error) as e:
        print(f"st_diff: cannot read: {e}", file=sys.stderr)
        return 1
    shared = sorted(set(a) & set(b))
    only = len(set(a) ^ set(b))
    max_abs = max_rel = 0.0
    bad_shape = [k for k in shared if a[k][0] != b[k][0]]
    for k in shared:
        if k in bad_shape:
            continue
        va, vb = a[k][1], b[k][1]
        d = max((abs(x - y) for x, y in zip(va, vb)), default=0.0)
        scale = max([1.0] + [abs(x) for x in va])
        max_abs, max_rel = max(max_abs, d), max(max_rel, d / scale)
    print(f"tensors {len(shared)}  max_abs {max_abs:.3e}  max_rel {max_rel:.3e}  only_in_one {only}")
    if bad_shape:
        print(f"st_diff: shapes differ: {', '.join(bad_shape)}", file=sys.stderr)
    return 1 if only or bad_shape else 0


if __name__ == "__main__":
    sys.exit(main())
