"""Byzantine clients: the updates attackers send, given what they can see.

The model attacks are omniscient (the attackers see this round's honest updates, the worst case the robust
rules are built for): `signflip` sends -2.5 x the honest mean; `scale` its own honest update x 100; `gauss`
Gaussian noise 30 x the honest spread per coordinate; `alie` ("a little is enough", Baruch et al. 2019) the
honest mean less 1.5 honest standard deviations per coordinate, inside the spread robust rules keep; `ipm`
(inner product manipulation, Xie et al. 2019) -0.5 x the honest mean. `poison` is data poisoning: the
attacker trains honestly on reversed rewards (agents/fl/client.py `corrupted`). `sybil`: one attacker behind
all F identities, each sending the same sign-flipped update (clones)."""

from __future__ import annotations

import numpy as np

ATTACKS = ("none", "signflip", "scale", "gauss", "alie", "ipm", "poison", "sybil")
MODEL_ATTACKS = ("signflip", "scale", "gauss", "alie", "ipm", "sybil")  # crafted from the honest updates
ALIE_Z = 1.5
SIGNFLIP = -2.5
SCALE = 100.0
IPM_EPSILON = 0.5
GAUSS_SPREAD = 30.0


def check_attack(attack: str, byzantine: int, clients: int) -> None:
    if attack not in ATTACKS:
        raise ValueError(f"--attack {attack!r}: use one of {', '.join(ATTACKS)}")
    if not 0 <= byzantine < clients:
        raise ValueError(f"--byzantine {byzantine}: give 0 to {clients - 1} (fewer than --clients {clients})")
    if attack == "none" and byzantine:
        raise ValueError(f"--byzantine {byzantine} with --attack none: name the attack they run")


def crafted(attack: str, honest: np.ndarray, own: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """The `count` attackers' updates (count x d floats). `honest`: this round's honest updates (n x d);
    `own`: each attacker's own honestly trained update (count x d), for `scale`."""
    mean, std = honest.mean(axis=0), honest.std(axis=0)
    if attack in ("signflip", "sybil"):
        return np.tile(SIGNFLIP * mean, (count, 1))
    if attack == "scale":
        return SCALE * own
    if attack == "gauss":
        return rng.normal(0.0, GAUSS_SPREAD * np.maximum(std, 1e-8), size=(count, honest.shape[1]))
    if attack == "alie":
        return np.tile(mean - ALIE_Z * std, (count, 1))
    if attack == "ipm":
        return np.tile(-IPM_EPSILON * mean, (count, 1))
    raise ValueError(f"attack {attack!r} is not crafted from the honest updates")
