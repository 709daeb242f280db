"""Use a network found by `nas` in PyTorch, without `nas`.

`nas export RUN_DIR --format torch --out DIR` writes DIR with `network.json` (the network's
IR, cells filled in), `weights.safetensors` and `meta.json`; :func:`load` rebuilds the
network from plain ``torch.nn`` modules whose parameter names are the checkpoint's, loads
every weight (a missing, extra or misshapen tensor is an error naming it) and returns the
model in evaluation mode.

    import nas_torch
    model = nas_torch.load("found_model")
    logits = model(images)  # normalised NCHW float32: (x - model.mean) / model.std
"""

from .network import Network, build
from .load import NasTorchError, load, load_weights

__all__ = ["Network", "NasTorchError", "build", "load", "load_weights"]
__version__ = "0.1.0"
