"""A network as the run config that builds it: what the playground trains for ``bp.mlp(...)``."""

from __future__ import annotations

from ..bricks.activations import ACTIVATIONS
from ..bricks.features import Features
from ..bricks.layers import Linear
from ..runs.config import from_dict
from ..runs.options import ConfigError


def network_config(net, base):
    """``(cfg, weights)``: ``base`` with ``net``'s features, hidden sizes, activations and
    bias, and ``net``'s weights by parameter name; ConfigError for any other shape."""
    names = {cls: name for name, cls in ACTIVATIONS.items()}
    bricks = list(net.bricks)
    features = list(bricks.pop(0).names) if bricks and isinstance(bricks[0], Features) else []
    linears, acts = bricks[0::2], [names.get(type(b)) for b in bricks[1::2]]
    if not linears or len(linears) != len(acts) or None in acts or \
            not all(isinstance(b, Linear) for b in linears):
        raise ConfigError("the playground trains networks that bp.mlp builds (Linear, "
                          "activation, Linear, activation, ...); give it a run config instead")
    if len(set(acts[:-1])) > 1:
        raise ConfigError(f"the playground's run config has one hidden activation, the "
                          f"network has {', '.join(dict.fromkeys(acts[:-1]))}")
    values = {"features": features, "hidden": [b.n_out for b in linears[:-1]],
              "output": acts[-1], "bias": linears[0].b is not None}
    if len(acts) > 1:
        values["activation"] = acts[0]
    cfg = from_dict(values, base=base, source="the network")
    return cfg, {p.name: p.data.copy() for p in net.parameters()}
