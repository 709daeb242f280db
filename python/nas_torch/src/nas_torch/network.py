"""The networks of nas's IR (`network.json`) as plain ``torch.nn`` modules.

The module tree reproduces nas's checkpoint names, so that the weights load by name:
``stem.{0,1}`` (or ``stem0``/``stem1``), ``cells.{i}.preprocess{0,1}.{1,2}`` (or
``.conv_1``/``.conv_2``/``.bn`` for a factorized reduce),
``cells.{i}.edges.{e}.{op}.{layer}`` where ``e`` numbers the full DAG edge and ``layer`` is
the position in the op's sequence, ``resblocks.{k}``, ``lastact.0``, ``head.{2j}``,
``classifier``. The computation is the one nas evaluates: "same" padding
``dilation * (kernel - 1) // 2``, convolutions without bias, pools padded by
``(kernel - 1) // 2`` (average pools not counting the padding), PyTorch batch norm.
The auxiliary tower, which only trains, is not built.
"""

import torch
import torch.nn.functional as F
from torch import nn


class Zero(nn.Module):
    """Zeros of the output shape (sides rounded up at stride 2)."""

    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        n, c, h, w = x.shape
        s = self.stride
        return x.new_zeros(n, c, (h + s - 1) // s, (w + s - 1) // s)


class FactorizedReduce(nn.Module):
    """ReLU, 1x1 stride-2 convs on x and on x shifted by a pixel (zero-padded at the bottom
    right, so that odd sides agree), concatenated, batch norm."""

    def __init__(self, cin, cout, affine):
        super().__init__()
        if cout % 2:
            raise ValueError(f"a factorized reduce needs an even channel count, got {cout}")
        self.conv_1 = nn.Conv2d(cin, cout // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(cin, cout // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(cout, affine=affine)

    def forward(self, x):
        x = F.relu(x)
        shifted = F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


def relu_conv_bn(cin, cout, k, stride, affine):
    """ReLU (``0``), conv (``1``), BN (``2``)."""
    return nn.Sequential(
        nn.ReLU(),
        nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=False),
        nn.BatchNorm2d(cout, affine=affine),
    )


def _stride(s, edge_stride):
    return edge_stride if s == "edge" else 1


def _check_kernel(k):
    if k <= 0 or k % 2 == 0:
        raise ValueError(f"a kernel must be odd and positive, got {k}")


def prim(p, c, edge_stride, affine):
    """The module of an IR primitive tree on ``c`` channels."""
    kind = p["prim"]
    if kind == "seq":
        return nn.Sequential(*[prim(q, c, edge_stride, affine) for q in p["items"]])
    if kind == "relu":
        return nn.ReLU()
    if kind == "conv":
        k, d = p["kernel"], p["dilation"]
        _check_kernel(k)
        groups = c if p["depthwise"] else 1
        s = _stride(p["stride"], edge_stride)
        return nn.Conv2d(c, c, k, stride=s, padding=d * (k - 1) // 2, dilation=d, groups=groups, bias=False)
    if kind == "batch_norm":
        a = p.get("affine")
        return nn.BatchNorm2d(c, affine=affine if a is None else a)
    if kind in ("max_pool", "avg_pool"):
        k = p["kernel"]
        _check_kernel(k)
        s = _stride(p["stride"], edge_stride)
        if kind == "max_pool":
            return nn.MaxPool2d(k, stride=s, padding=(k - 1) // 2)
        return nn.AvgPool2d(k, stride=s, padding=(k - 1) // 2, count_include_pad=False)
    if kind == "identity":
        return nn.Identity()
    if kind == "zero":
        return Zero(_stride(p["stride"], edge_stride))
    if kind == "factorized_reduce":
        a = p.get("affine")
        return FactorizedReduce(c, c, affine if a is None else a)
    if kind == "by_stride":
        return prim(p["one"] if edge_stride == 1 else p["two"], c, edge_stride, affine)
    raise ValueError(f"unknown primitive `{kind}`")


class Cell(nn.Module):
    """A fixed cell: each node sums its genotype edges' ops over earlier states; the output
    concatenates the ``concat`` states. ``pre`` preprocesses the inputs (DARTS)."""

    def __init__(self, geno, ops, inputs, channels, reduction, affine, pre=()):
        super().__init__()
        for i, p in enumerate(pre):
            self.add_module(f"preprocess{i}", p)
        self.n_pre = len(pre)
        self.inputs = inputs
        self.concat = list(geno["concat"])
        self.edges = nn.ModuleDict()
        self.plan = []  # per node: [(edge id, op name, input state)]
        offset = 0
        for j, edges in enumerate(geno["nodes"]):
            kept = []
            for e in edges:
                op, src = e["op"], e["input"]
                if src >= inputs + j:
                    raise ValueError(f"node {j} cannot take input {src}")
                if op not in ops:
                    raise ValueError(f"unknown op `{op}` (candidates: {', '.join(ops)})")
                eid = offset + src
                stride = 2 if reduction and src < inputs else 1
                slot = self.edges[str(eid)] if str(eid) in self.edges else nn.ModuleDict()
                slot[op] = prim(ops[op], channels, stride, affine)
                self.edges[str(eid)] = slot
                kept.append((str(eid), op, src))
            offset += inputs + j
            self.plan.append(kept)

    def forward(self, *xs):
        states = [getattr(self, f"preprocess{i}")(x) for i, x in enumerate(xs)] if self.n_pre else list(xs)
        for kept in self.plan:
            h = None
            for eid, op, src in kept:
                y = self.edges[eid][op](states[src])
                h = y if h is None else h + y
            states.append(h)
        return torch.cat([states[i] for i in self.concat], dim=1)


class ResBlock(nn.Module):
    """NB201 residual reduction: ReLUConvBN 3x3 s2, ReLUConvBN 3x3, plus a shortcut of a 2x2
    average pool (odd sides zero-padded first) and a 1x1 conv."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = relu_conv_bn(cin, cout, 3, 2, True)
        self.conv_b = relu_conv_bn(cout, cout, 3, 1, True)
        self.downsample = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        y = self.conv_b(self.conv_a(x))
        h, w = x.shape[-2:]
        return y + self.downsample(F.pad(x, (0, w % 2, 0, h % 2)))


def _conv_bn(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout)]


def _cell_geno(geno, i, n, reduction):
    if geno["sharing"] == "per_cell":
        cells = geno["cells"]
        if len(cells) != n:
            raise ValueError(f"{len(cells)} cell genotypes for a network of {n} cells")
        return cells[i]
    return geno["reduce"] if reduction else geno["normal"]


def _genotype(body):
    cell = body["cell"]
    if cell["cell"] != "genotype":
        raise ValueError(f"the network's cells are `{cell['cell']}`, not a fixed genotype: export a derived network")
    return cell["genotype"]


class Network(nn.Module):
    """A fixed network of nas's DARTS or NAS-Bench-201 family, with its head."""

    def __init__(self, spec):
        super().__init__()
        body = spec["family"]
        self.family = body["family"]
        ops = {o["name"]: o["body"] for o in body["ops"]}
        geno = _genotype(body)
        if self.family == "darts":
            feat = self._darts(spec, body, ops, geno)
        elif self.family == "nb201":
            feat = self._nb201(spec, body, ops, geno)
        else:
            raise ValueError(f"unknown network family `{self.family}`")
        self._head(spec["head"], feat)

    def _darts(self, spec, d, ops, geno):
        c, n = d["channels"], d["cells"]
        self.stem_kind = d["stem"]
        if self.stem_kind == "cifar":
            cs = d.get("stem_multiplier", 3) * c
            self.stem = nn.Sequential(*_conv_bn(spec["in_channels"], cs, 1))
            cpp = cp = cs
            red_prev = False
        else:
            self.stem0 = nn.Sequential(*_conv_bn(spec["in_channels"], c // 2, 2), nn.ReLU(), *_conv_bn(c // 2, c, 2))
            self.stem1 = nn.Sequential(nn.ReLU(), *_conv_bn(c, c, 2))
            cpp = cp = c
            red_prev = True
        self.cells = nn.ModuleList()
        cc = c
        for i in range(n):
            red = i in d["reductions"]
            cc = 2 * cc if red else cc
            pre0 = FactorizedReduce(cpp, cc, d["affine"]) if red_prev else relu_conv_bn(cpp, cc, 1, 1, d["affine"])
            pre1 = relu_conv_bn(cp, cc, 1, 1, d["affine"])
            g = _cell_geno(geno, i, n, red)
            self.cells.append(Cell(g, ops, 2, cc, red, d["affine"], (pre0, pre1)))
            cpp, cp, red_prev = cp, len(g["concat"]) * cc, red
        self.plan = [("cell", i) for i in range(n)]
        return cp

    def _nb201(self, spec, n, ops, geno):
        c, per = n["channels"], n["cells_per_stage"]
        self.stem_kind = "nb201"
        self.stem = nn.Sequential(*_conv_bn(spec["in_channels"], c, 1))
        self.cells, self.resblocks, self.plan = nn.ModuleList(), nn.ModuleList(), []
        for stage in range(3):
            if stage > 0:
                self.plan.append(("res", len(self.resblocks)))
                self.resblocks.append(ResBlock(c, 2 * c))
                c *= 2
            for _ in range(per):
                i = len(self.cells)
                g = _cell_geno(geno, i, 3 * per, False)
                self.plan.append(("cell", i))
                self.cells.append(Cell(g, ops, 1, c, False, n["affine"]))
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        return c

    def _head(self, head, feat):
        self.head_kind = head["head"]
        if self.head_kind == "classifier":
            self.classifier = nn.Linear(feat, head["classes"])
        elif self.head_kind == "mlp":
            dims = [feat, *head["hidden"], head["out"]]
            layers = []
            for i in range(len(dims) - 1):
                if i > 0:
                    layers.append(nn.ReLU())
                layers.append(nn.Linear(dims[i], dims[i + 1]))
            self.head = nn.Sequential(*layers)
        elif self.head_kind != "features":
            raise ValueError(f"unknown head `{self.head_kind}`")

    def features(self, x):
        """Globally pooled features before the head, ``[N, C]``."""
        if self.stem_kind == "imagenet":
            s0 = self.stem0(x)
            s1 = self.stem1(s0)
        else:
            s0 = s1 = self.stem(x)
        for kind, i in self.plan:
            if kind == "res":
                out = self.resblocks[i](s1)
            elif self.family == "darts":
                out = self.cells[i](s0, s1)
            else:
                out = self.cells[i](s1)
            s0, s1 = s1, out
        if self.family == "nb201":
            s1 = self.lastact(s1)
        return s1.mean(dim=(2, 3))

    def forward(self, x):
        """Logits (classifier), projection (MLP head) or features, ``[N, out]``."""
        f = self.features(x)
        if self.head_kind == "classifier":
            return self.classifier(f)
        if self.head_kind == "mlp":
            return self.head(f)
        return f


def build(spec) -> Network:
    """The network ``spec`` (the JSON of nas's ``NetworkSpec``) describes, weights fresh."""
    return Network(spec)
