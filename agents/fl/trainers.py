"""Where the clients of a simulated round train: in this process, or as Ray tasks (a local Ray, or a cluster
at `address`), the same code either way. Each client's table goes to Ray's object store once per run; a task
trains one client from the round's policy with one thread, so results equal the local ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from agents.fl.client import ClientData, local_update
from agents.fl.policy import PolicyShape


def _train(shape: PolicyShape, params: np.ndarray, data: ClientData, epochs: int, lr: float, batch: int, seed: int):
    torch.set_num_threads(1)
    return local_update(shape, params, data, epochs, lr, batch, seed)


class LocalTrainer:
    def train(self, shape, params, tables: Sequence[ClientData], seeds: Sequence[int], settings) -> list[np.ndarray]:
        args = (settings.epochs, settings.learning_rate, settings.batch_size)
        return [_train(shape, params, d, *args, s) for d, s in zip(tables, seeds, strict=True)]

    def close(self) -> None:
        pass


class RayTrainer:
    def __init__(self, address: str | None = None):
        import ray

        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            ray.init(address=address, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        self._remote = ray.remote(num_cpus=1)(_train)
        self._refs: dict[int, object] = {}

    def _ref(self, data: ClientData):
        if id(data) not in self._refs:
            self._refs[id(data)] = (self._ray.put(data), data)  # keep `data` alive so its id stays unique
        return self._refs[id(data)][0]

    def train(self, shape, params, tables: Sequence[ClientData], seeds: Sequence[int], settings) -> list[np.ndarray]:
        args = (settings.epochs, settings.learning_rate, settings.batch_size)
        futures = [
            self._remote.remote(shape, params, self._ref(d), *args, s) for d, s in zip(tables, seeds, strict=True)
        ]
        return self._ray.get(futures)

    def close(self) -> None:
        self._refs.clear()
        if self._started:
            self._ray.shutdown()


def trainer_for(backend: str, address: str | None = None):
    if backend == "ray":
        return RayTrainer(address)
    if backend != "local":
        raise ValueError(f"--backend {backend!r}: use local or ray")
    return LocalTrainer()
