"""Reading the folder `nas export --format torch` writes."""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from .network import Network, build

FORMAT = "nas_torch"
FORMAT_VERSION = 1


class NasTorchError(ValueError):
    """The folder is not a nas export, or its weights do not fit its network."""


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise NasTorchError(f"{path} is missing: is this a folder written by `nas export --format torch`?") from None
    except json.JSONDecodeError as e:
        raise NasTorchError(f"{path} is not valid JSON: {e}") from None


def load_weights(model: torch.nn.Module, tensors: dict, source: str = "the weights") -> None:
    """Copy ``tensors`` into ``model`` by name; every parameter and buffer must be there
    with its shape (``num_batches_tracked``, which nas does not keep, excepted) and no
    tensor may be left over."""
    own = model.state_dict()
    needed = {k for k in own if not k.endswith("num_batches_tracked")}
    missing = sorted(needed - tensors.keys())
    extra = sorted(tensors.keys() - own.keys())
    if missing:
        raise NasTorchError(f"{source} lack {len(missing)} tensor(s) the network needs, e.g. `{missing[0]}`")
    if extra:
        raise NasTorchError(f"{source} hold {len(extra)} tensor(s) the network does not have, e.g. `{extra[0]}`")
    for name, t in tensors.items():
        if tuple(t.shape) != tuple(own[name].shape):
            raise NasTorchError(
                f"{source}: `{name}` is {list(t.shape)}, the network needs {list(own[name].shape)}"
            )
    model.load_state_dict(tensors, strict=False)


def load(folder, device="cpu") -> Network:
    """The network exported to ``folder``, weights loaded, in evaluation mode.

    The model's ``classes``, ``mean``, ``std``, ``input_size`` and ``meta`` say how to feed
    it and what its outputs mean.
    """
    folder = Path(folder)
    meta = _read_json(folder / "meta.json")
    if meta.get("format") != FORMAT:
        raise NasTorchError(f"{folder / 'meta.json'} is not a `{FORMAT}` export")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise NasTorchError(
            f"{folder} was written in format version {meta['format_version']}; "
            f"this nas_torch reads up to {FORMAT_VERSION}: upgrade nas_torch"
        )
    spec = _read_json(folder / "network.json")
    try:
        model = build(spec)
    except (KeyError, TypeError, ValueError) as e:
        raise NasTorchError(f"{folder / 'network.json'} describes no network nas_torch can build: {e!r}") from None
    weights = folder / "weights.safetensors"
    if not weights.is_file():
        raise NasTorchError(f"{weights} is missing")
    load_weights(model, load_file(str(weights)), str(weights))
    model.meta = meta
    model.classes = list(meta.get("classes", []))
    model.mean = list(meta.get("mean", []))
    model.std = list(meta.get("std", []))
    model.input_size = list(meta.get("input_size", []))
    return model.to(device).eval()
