"""The shared update store: a folder holding each round's revealed updates and what the coordinator did with
them, so anyone can recompute the aggregate (`lamm fl audit`).

round-NNNN.npz holds the integer arrays (updates in reveal order, the global policy they were trained from, the
aggregate, the rule's reference if it has one); round-NNNN.json the rest (rule, parameter, tolerated f, seed,
stakes, participants' addresses, the contract and its round id). Files are written whole (temporary, then
renamed), so a reader never sees half a round."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from agents.fl.rounds import RoundRecord


def _paths(store: Path, round_id: int) -> tuple[Path, Path]:
    return store / f"round-{round_id:04d}.npz", store / f"round-{round_id:04d}.json"


def write_round(store: Path, round_id: int, record: RoundRecord, meta: dict) -> None:
    store.mkdir(parents=True, exist_ok=True)
    arrays, doc = _paths(store, round_id)
    extra = {} if record.reference is None else {"reference": record.reference}
    tmp = arrays.with_suffix(".tmp.npz")
    np.savez(tmp, updates=record.updates, global_params=record.global_params, aggregate=record.aggregate, **extra)
    tmp.replace(arrays)
    text = json.dumps(meta | {"stakes": [str(s) for s in record.stakes], "rule_seed": record.rule_seed}, indent=1)
    tmp_doc = doc.with_suffix(".tmp")
    tmp_doc.write_text(text)
    tmp_doc.replace(doc)


def read_round(store: Path, round_id: int) -> tuple[dict, dict]:
    """(metadata, arrays) of a stored round, or FileNotFoundError saying what is missing."""
    arrays, doc = _paths(store, round_id)
    if not arrays.is_file() or not doc.is_file():
        raise FileNotFoundError(f"--store {store}: round {round_id} is not there (expected {arrays.name}, {doc.name})")
    meta = json.loads(doc.read_text())
    meta["stakes"] = [int(s) for s in meta["stakes"]]
    with np.load(arrays) as saved:
        return meta, {k: saved[k] for k in saved.files}
