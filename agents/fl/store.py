"""The shared update store: a folder or an object-store URL (any fsspec URL: file://, s3://, gs://, ... with
its fsspec backend installed) where the coordinator publishes each round's policy and its record, and clients
upload their updates, so anyone can recompute an aggregate (`lamm fl audit`).

Names (NNNN the round): policy-NNNN.npz (the global policy the round trains from), updates/NNNN/ADDRESS.npz
(a client's update), round-NNNN.npz and round-NNNN.json (what the coordinator aggregated: updates in reveal
order, the global policy, the aggregate, the rule's reference; rule, parameter, tolerated f, seed, stakes,
addresses, the contract and its round id), rewards-NNNN.json (each account's amount and Merkle proof). Local
files are written whole (temporary, then renamed), so a reader never sees half a file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import fsspec
import numpy as np

from agents.fl.rounds import RoundRecord


class UpdateStore:
    def __init__(self, url: str | Path):
        self.url = str(url)
        self.fs, self.root = fsspec.core.url_to_fs(self.url)

    def _path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def exists(self, name: str) -> bool:
        return self.fs.exists(self._path(name))

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        if "file" in self.fs.protocol:  # local: write whole, then rename
            tmp = path + ".tmp"
            self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, path)
        else:
            self.fs.pipe_file(path, data)

    def get(self, name: str) -> bytes:
        if not self.exists(name):
            raise FileNotFoundError(f"--store {self.url}: {name} is not there")
        return self.fs.cat_file(self._path(name))

    def put_arrays(self, name: str, **arrays: np.ndarray) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        self.put(name, buffer.getvalue())

    def get_arrays(self, name: str) -> dict[str, np.ndarray]:
        with np.load(io.BytesIO(self.get(name)), allow_pickle=False) as saved:
            return {k: saved[k] for k in saved.files}

    def put_json(self, name: str, doc) -> None:
        self.put(name, json.dumps(doc, indent=1).encode())

    def get_json(self, name: str):
        return json.loads(self.get(name))


def write_round(store: str | Path, round_id: int, record: RoundRecord, meta: dict) -> None:
    s = UpdateStore(store)
    extra = {} if record.reference is None else {"reference": record.reference}
    arrays = dict(updates=record.updates, global_params=record.global_params, aggregate=record.aggregate, **extra)
    s.put_arrays(f"round-{round_id:04d}.npz", **arrays)
    s.put_json(
        f"round-{round_id:04d}.json",
        meta | {"stakes": [str(v) for v in record.stakes], "rule_seed": record.rule_seed},
    )


def read_round(store: str | Path, round_id: int) -> tuple[dict, dict]:
    """(metadata, arrays) of a stored round, or FileNotFoundError saying what is missing."""
    s = UpdateStore(store)
    names = (f"round-{round_id:04d}.npz", f"round-{round_id:04d}.json")
    if not all(s.exists(n) for n in names):
        raise FileNotFoundError(f"--store {store}: round {round_id} is not there (expected {names[0]}, {names[1]})")
    meta = s.get_json(names[1])
    meta["stakes"] = [int(v) for v in meta["stakes"]]
    return meta, s.get_arrays(names[0])
