# Cross-framework parity, the PyTorch half: rebuilds the fixed DARTS network that
# `tools/parity_dump.rs` wrote (from its config.json genotype, with PyTorch's own modules),
# loads the same initial weights by name, runs the same SimCLR steps on the same input with
# torch.optim.SGD and clip_grad_norm_, and compares everything the engine wrote.
#
#   cargo run --release --example parity_dump -- DIR
#   VENV/bin/python tools/parity_torch.py DIR        (VENV: torch 2.15, numpy, safetensors)
#
# Prints, per step, both losses and gradient norms; then the worst relative difference
# (max |ours - torch| / max |torch|) over the first step's gradients, the parameters after
# the last step and the batch-norm running statistics, naming the tensor. Exit status 1 when
# a name is missing on either side or a difference exceeds the tolerance (default 1e-3).
import json, sys
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import load_file

torch.set_num_threads(1)
D = sys.argv[1]
cfg = json.load(open(f"{D}/config.json"))
net_spec = cfg["network"]
fam = net_spec["family"]
affine = fam["affine"]


def bn(c, aff=None):
    return nn.BatchNorm2d(c, affine=affine if aff is None else aff)


class FactorizedReduce(nn.Module):
    def __init__(s, cin, cout):
        super().__init__()
        s.conv_1 = nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False)
        s.conv_2 = nn.Conv2d(cin, cout // 2, 1, 2, 0, bias=False)
        s.bn = bn(cout)

    def forward(s, x):
        x = F.relu(x)
        return s.bn(torch.cat([s.conv_1(x), s.conv_2(x[:, :, 1:, 1:])], 1))


def relu_conv_bn(cin, cout):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, 1, 1, 0, bias=False), bn(cout))


def dil_part(c, k, stride, pad, dil):
    return [nn.ReLU(), nn.Conv2d(c, c, k, stride, pad, dilation=dil, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False), bn(c)]


def make_op(name, c, s):
    if name == "skip_connect":
        return nn.Identity() if s == 1 else FactorizedReduce(c, c)
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, s, 1), bn(c))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, s, 1, count_include_pad=False), bn(c))
    if name.startswith("sep_conv_"):
        k = int(name[-1])
        return nn.Sequential(*dil_part(c, k, s, k // 2, 1), *dil_part(c, k, 1, k // 2, 1))
    if name.startswith("dil_conv_"):
        k = int(name[-1])
        return nn.Sequential(*dil_part(c, k, s, (k // 2) * 2, 2))
    raise SystemExit(f"op {name} is not rebuilt here")


class Cell(nn.Module):
    # node i's incoming edges are numbered after those of nodes 0..i-1 (2, 3, 4, ... each)
    def __init__(s, geno, cpp, cp, c, reduction, reduction_prev):
        super().__init__()
        s.preprocess0 = FactorizedReduce(cpp, c) if reduction_prev else relu_conv_bn(cpp, c)
        s.preprocess1 = relu_conv_bn(cp, c)
        s.nodes, s.concat = geno["nodes"], geno["concat"]
        s.edges = nn.ModuleDict()
        s.keys = []
        for i, pair in enumerate(s.nodes):
            offset = sum(2 + j for j in range(i))
            keys = []
            for e in pair:
                stride = 2 if reduction and e["input"] < 2 else 1
                key = str(offset + e["input"])
                assert key not in s.edges, "two ops on one edge"
                s.edges[key] = nn.ModuleDict({e["op"]: make_op(e["op"], c, stride)})
                keys.append((key, e["op"], e["input"]))
            s.keys.append(keys)

    def forward(s, s0, s1):
        states = [s.preprocess0(s0), s.preprocess1(s1)]
        for keys in s.keys:
            states.append(sum(s.edges[k][op](states[inp]) for k, op, inp in keys))
        return torch.cat([states[i] for i in s.concat], 1)


class Net(nn.Module):
    def __init__(s):
        super().__init__()
        c = fam["channels"]
        cs = fam["stem_multiplier"] * c
        s.stem = nn.Sequential(nn.Conv2d(net_spec["in_channels"], cs, 3, 1, 1, bias=False), nn.BatchNorm2d(cs))
        cpp, cp, cc = cs, cs, c
        genos = fam["cell"]["genotype"]["cells"]
        s.cells = nn.ModuleList()
        red_prev = False
        for i in range(fam["cells"]):
            red = i in fam["reductions"]
            if red:
                cc *= 2
            cell = Cell(genos[i], cpp, cp, cc, red, red_prev)
            s.cells.append(cell)
            red_prev = red
            cpp, cp = cp, len(genos[i]["concat"]) * cc
        head = net_spec["head"]
        dims = [cp] + head["hidden"] + [head["out"]]
        layers = []
        for j in range(len(dims) - 1):
            layers.append(nn.Linear(dims[j], dims[j + 1]))
            if j < len(dims) - 2:
                layers.append(nn.ReLU())
        s.head = nn.Sequential(*layers)

    def forward(s, x):
        s0 = s1 = s.stem(x)
        for cell in s.cells:
            s0, s1 = s1, cell(s0, s1)
        return s.head(F.adaptive_avg_pool2d(s1, 1).flatten(1))


def nt_xent(z, t):
    n = z.shape[0]
    b = n // 2
    z = z / torch.sqrt((z * z).sum(1, keepdim=True) + 1e-12)
    sim = z @ z.t() / t
    sim = sim + torch.diag(torch.full((n,), -1e9))
    target = (torch.arange(n) + b) % n
    return F.cross_entropy(sim, target)


def main():
    TOL = float(sys.argv[2]) if len(sys.argv) > 2 else 1e-3
    init = load_file(f"{D}/init.safetensors")
    DTYPE = init["stem.0.weight"].dtype
    torch.set_default_dtype(DTYPE)
    net = Net()
    sd = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(sd) - set(init))
    extra = sorted(set(init) - set(sd))
    if missing or extra:
        print("names differ: only in PyTorch:", missing[:10], "only in ours:", extra[:10])
        sys.exit(1)
    for k in sd:
        if tuple(sd[k].shape) != tuple(init[k].shape):
            print(f"shape of {k}: PyTorch {tuple(sd[k].shape)}, ours {tuple(init[k].shape)}")
            sys.exit(1)
    net.load_state_dict(init, strict=False)
    x = load_file(f"{D}/input.safetensors")["x"]
    ours = load_file(f"{D}/steps.safetensors")
    opt = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                          weight_decay=cfg["weight_decay"], nesterov=cfg["nesterov"])
    net.train()
    names = dict(net.named_parameters())
    grads0 = {}
    print(f"{'step':>4} {'loss ours':>11} {'loss torch':>11} {'|g| ours':>10} {'|g| torch':>10}")
    worst_loss = 0.0
    for step in range(cfg["steps"]):
        opt.zero_grad()
        loss = nt_xent(net(x), cfg["temperature"])
        lt = float(loss.detach())
        loss.backward()
        if step == 0:
            grads0 = {k: p.grad.clone() for k, p in names.items()}
        if cfg["clip_norm"] is not None:
            norm = float(torch.nn.utils.clip_grad_norm_(net.parameters(), cfg["clip_norm"]))
        else:
            norm = float("nan")
        opt.step()
        lo, go = float(ours["loss"][step]), float(ours["grad_norm"][step])
        worst_loss = max(worst_loss, abs(lo - lt) / abs(lt))
        print(f"{step:>4} {lo:>11.6f} {lt:>11.6f} {go:>10.5f} {norm:>10.5f}")


    def rel(a, b):
        return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


    def worst(pairs):
        return max(((rel(a, b), k) for k, a, b in pairs), default=(0.0, "-"))


    g = worst((k, ours[f"grad.{k}"], v) for k, v in grads0.items())
    p = worst((k, ours[f"param.{k}"], v.detach()) for k, v in names.items())
    bufs = {k: v for k, v in net.state_dict().items() if "running" in k}
    bf = worst((k, ours[f"buffer.{k}"], v) for k, v in bufs.items())
    print(f"first-step gradients, worst relative difference: {g[0]:.2e} ({g[1]}), {len(grads0)} tensors")
    print(f"parameters after step {cfg['steps']}: {p[0]:.2e} ({p[1]})")
    print(f"running statistics after step {cfg['steps']}: {bf[0]:.2e} ({bf[1]}), {len(bufs)} tensors")
    print(f"losses: worst relative difference {worst_loss:.2e}")
    bad = max(g[0], p[0], bf[0], worst_loss) > TOL
    print("PARITY FAILED" if bad else f"parity holds within {TOL:g}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
