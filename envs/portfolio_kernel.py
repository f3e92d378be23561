"""ctypes binding of the portfolio replay kernel (envs/_portfolio.c)."""

from __future__ import annotations

import ctypes
import importlib.machinery
from pathlib import Path

import numpy as np

from envs.portfolio_execution import ExecutionConfig


def _load() -> ctypes.CDLL:
    here = Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_portfolio{suffix}"
        if path.exists():
            return ctypes.CDLL(str(path))
    raise ImportError(f"the compiled portfolio kernel is missing in {here}: reinstall (pip install -e .) to build it")


_lib = _load()
_f64 = np.ctypeslib.ndpointer(np.float64, flags="C_CONTIGUOUS")
_d = ctypes.c_double
_lib.portfolio_run.restype = ctypes.c_int
_lib.portfolio_run.argtypes = [
    ctypes.c_int64,
    ctypes.c_int64,
    _f64,
    _f64,
    _d,
    _d,
    _d,
    _d,
    _d,
    _d,
    _f64,
    _f64,
    _f64,
    _f64,
]


def run_kernel(prices: np.ndarray, targets: np.ndarray, band: float, cfg: ExecutionConfig, capital: float):
    """(values [T], weights [T, N], traded [T], totals: fees, impact, gas, trades) for a planned strategy."""
    prices = np.ascontiguousarray(prices, dtype=np.float64)
    targets = np.ascontiguousarray(targets, dtype=np.float64)
    steps, n = prices.shape
    values, weights, traded, totals = np.empty(steps), np.empty((steps, n)), np.empty(steps), np.empty(4)
    depth = cfg.depth if cfg.depth is not None else 0.0
    if _lib.portfolio_run(
        steps,
        n,
        prices,
        targets,
        band,
        cfg.fee,
        depth,
        cfg.gas,
        cfg.min_trade,
        capital,
        values,
        weights,
        traded,
        totals,
    ):
        raise MemoryError("portfolio kernel: out of memory")
    return values, weights, traded, totals
