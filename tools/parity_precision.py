# Where f32 rounding enters: the first step's gradients of tools/parity_dump.rs's f32 dump
# against PyTorch float64 (reference), next to PyTorch float32 against the same reference.
#   VENV/bin/python tools/parity_precision.py DIR   (DIR from parity_dump, f32)
# Prints the 12 worst tensors (ours-vs-f64, torch32-vs-f64, name), then cells.4/head/stem by name.
import os, sys, torch
from safetensors.torch import load_file
D = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from parity_torch import Net, nt_xent, cfg  # reads DIR/config.json from sys.argv[1]
init=load_file(f"{D}/init.safetensors"); x=load_file(f"{D}/input.safetensors")["x"]; ours=load_file(f"{D}/steps.safetensors")
def grads(dt):
    net=Net().to(dt); net.load_state_dict({k:v.to(dt) for k,v in init.items()}, strict=False); net.train()
    loss=nt_xent(net(x.to(dt)), cfg["temperature"]); loss.backward()
    return float(loss), {k:p.grad.clone() for k,p in net.named_parameters()}
l64,g64=grads(torch.float64); l32,g32=grads(torch.float32)
print("loss64",l64,"loss32",l32,"ours",float(ours['loss'][0]))
rows=[]
for k,v in g64.items():
    d=v.abs().max()
    rows.append((float((ours['grad.'+k].double()-v).abs().max()/d), float((g32[k].double()-v).abs().max()/d), k))
rows.sort(reverse=True)
for r in rows[:12]: print("%.2e %.2e %s"%r)
import statistics
print("median ours %.2e torch32 %.2e"%(statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)))
print("---- by name")
for r in sorted(rows, key=lambda r: r[2]):
    if r[2].startswith(("head","cells.4","stem")): print("%.2e %.2e %s"%r)
