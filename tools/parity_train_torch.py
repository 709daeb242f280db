# Cross-framework training parity, the PyTorch half: trains the network of
# `parity_dump DIR PIPELINE STAGE 0` with SimCLR in PyTorch for the stage's epochs, on the
# batches `parity_views DIR PIPELINE STAGE` wrote, and prints the mean loss of every epoch.
#
#   VENV/bin/python tools/parity_train_torch.py DIR [--aug ours|calib] [--init ours|torch] [--seed S]
#
# --aug ours   the engine's own augmented views, batch for batch (default);
# --aug calib  the same images in the same order, augmented as in
#              ../shared/reference/calibration-pytorch.md §1: random-resized crop by affine_grid and
#              bilinear grid_sample with reflection padding, flip, colour jitter (p 0.8, factors
#              U(0.6, 1.4), hue +-0.1 as a YIQ rotation, in the fixed order b, c, s, h), grayscale p 0.2;
# --init ours  the engine's initial weights (default); --init torch: PyTorch's default init.
# Optimiser: the stage's SGD (momentum, weight decay, clip) with a per-step cosine from the
# base rate to 0, as the engine's `cosine(per = step)`.
import json, math, sys, time
import torch, torch.nn.functional as F
from safetensors.torch import load_file

import parity_torch as P

D = sys.argv[1]
opts = dict(zip(sys.argv[2::2], sys.argv[3::2]))
AUG = opts.get("--aug", "ours")
INIT = opts.get("--init", "ours")
SEED = int(opts.get("--seed", "0"))
torch.manual_seed(SEED)
gen = torch.Generator().manual_seed(SEED)
info = json.load(open(f"{D}/views.json"))
norm = next(s for s in info["views"]["steps"] if s["step"] == "normalize")
MEAN = torch.tensor(norm["mean"]).view(1, 3, 1, 1)
STD = torch.tensor(norm["std"]).view(1, 3, 1, 1)
GRAY = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


def u(n, lo, hi):
    return torch.empty(n).uniform_(lo, hi, generator=gen)


def gray(x):
    return (x * GRAY).sum(1, keepdim=True)


def calib_view(pix):
    x = pix.float() / info["pixel_max"]
    b = x.shape[0]
    area = u(b, 0.2, 1.0)
    ratio = torch.exp(u(b, math.log(3 / 4), math.log(4 / 3)))
    w = torch.sqrt(area * ratio).clamp(max=1.0)
    h = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = u(b, -1, 1) * (1 - w)
    cy = u(b, -1, 1) * (1 - h)
    flip = torch.where(u(b, 0, 1) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = w * flip, cx
    theta[:, 1, 1], theta[:, 1, 2] = h, cy
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    v = lambda t: t.view(b, 1, 1, 1)
    j = (x * v(u(b, 0.6, 1.4))).clamp(0, 1)
    m = gray(j).mean((1, 2, 3), keepdim=True)
    j = ((j - m) * v(u(b, 0.6, 1.4)) + m).clamp(0, 1)
    g = gray(j)
    j = ((j - g) * v(u(b, 0.6, 1.4)) + g).clamp(0, 1)
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    yiq = torch.einsum("ij,bjhw->bihw", to_yiq, j)
    a = u(b, -0.1, 0.1) * 2 * math.pi
    i2 = yiq[:, 1] * v(torch.cos(a))[:, 0] - yiq[:, 2] * v(torch.sin(a))[:, 0]
    q2 = yiq[:, 1] * v(torch.sin(a))[:, 0] + yiq[:, 2] * v(torch.cos(a))[:, 0]
    yiq = torch.stack([yiq[:, 0], i2, q2], 1)
    j = torch.einsum("ij,bjhw->bihw", torch.linalg.inv(to_yiq), yiq).clamp(0, 1)
    x = torch.where(v(u(b, 0, 1) < 0.8), j, x)
    x = torch.where(v(u(b, 0, 1) < 0.2), gray(x).expand_as(x), x)
    return (x - MEAN) / STD


def main():
    torch.set_default_dtype(torch.float32)
    cfg = P.cfg
    net = P.Net()
    if INIT == "ours":
        net.load_state_dict(load_file(f"{D}/init.safetensors"), strict=False)
    pixels = load_file(f"{D}/images.safetensors")["pixels"] if AUG == "calib" else None
    opt = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                          weight_decay=cfg["weight_decay"], nesterov=cfg["nesterov"])
    epochs, steps = info["epochs"], info["steps"]
    net.train()
    print(f"aug {AUG}, init {INIT}, seed {SEED}: {epochs} epochs x {steps} steps of {info['batch']}")
    for epoch in range(epochs):
        t0 = time.time()
        data = load_file(f"{D}/views-{epoch}.safetensors")
        total = 0.0
        for step in range(steps):
            if AUG == "ours":
                x = data["x"][step]
            else:
                pix = pixels[data["idx"][step].long()]
                x = torch.cat([calib_view(pix), calib_view(pix)], 0)
            lr = 0.5 * cfg["lr"] * (1 + math.cos(math.pi * (epoch + step / steps) / epochs))
            for group in opt.param_groups:
                group["lr"] = lr
            opt.zero_grad()
            loss = P.nt_xent(net(x), cfg["temperature"])
            loss.backward()
            if cfg["clip_norm"] is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), cfg["clip_norm"])
            opt.step()
            total += float(loss.detach())
        print(f"epoch {epoch}  mean loss {total / steps:.4f}  {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
