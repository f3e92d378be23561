"""Who holds which data: non-IID shards of the training period, synthetic markets of other regimes, and the
coordinator's evaluation days.

Real clients hold consecutive blocks of the training days (different weeks: different volatility, flow and
trend); the others hold synthetic markets of regimes the real days may not show (calm, volatile, jumpy; see
envs/synthetic.py). Shard quality differs on purpose: each client's values carry label noise of its own size
(`noise`, in spreads of its values), the true quality rewards should rank by."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from envs.market import Market, MarketSpec, build_market

REGIMES = {
    "calm": dict(annual_vol=0.35, jumps_per_day=2.0),
    "volatile": dict(annual_vol=1.2, vol_of_vol=0.8),
    "jumpy": dict(annual_vol=0.6, jumps_per_day=12.0, jump_scale=0.004),
}
SYNTHETIC_DAYS = 3.0


@dataclass(frozen=True)
class Shard:
    """A client's market: real days [start, end] of `data`, or a synthetic market of `regime` from `seed`."""

    name: str
    data: str = ""
    start: str = ""
    end: str = ""
    regime: str = ""
    seed: int = 0

    def market(self, step: str) -> Market:
        if self.regime:
            from envs.synthetic import SyntheticMarketConfig, generate_swaps

            config = SyntheticMarketConfig(days=SYNTHETIC_DAYS, seed=self.seed, **REGIMES[self.regime])
            return build_market(generate_swaps(config), MarketSpec(), step)
        from backtests.sources import load_swap_table

        table = load_swap_table(self.data, date.fromisoformat(self.start), date.fromisoformat(self.end))
        if table.num_rows == 0:
            raise ValueError(f"shard {self.name}: no swaps in {self.data} from {self.start} to {self.end}")
        return build_market(table, MarketSpec(), step)

    def key(self) -> str:
        """What identifies the shard's contents (the data files' sizes and times count, not only the path)."""
        doc = asdict(self) | {"files": _fingerprint(self.data) if self.data else None}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _fingerprint(data: str) -> list:
    p = Path(data)
    files = [p] if p.is_file() else sorted(p.glob("*.parquet"))
    return [(f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in files]


def split_days(days: list[date], parts: int) -> list[list[date]]:
    """Consecutive blocks of nearly equal size."""
    if parts > len(days):
        raise ValueError(f"{parts} real shards need at least {parts} training days; the data has {len(days)}")
    edges = np.linspace(0, len(days), parts + 1).round().astype(int)
    return [days[edges[k] : edges[k + 1]] for k in range(parts)]


def available_days(data: str, start: date, end: date) -> list[date]:
    """The days of a swap folder (one parquet file per UTC day) within [start, end]."""
    p = Path(data)
    days = sorted(date.fromisoformat(f.stem) for f in p.glob("*.parquet") if _is_day(f.stem))
    return [d for d in days if start <= d <= end]


def _is_day(stem: str) -> bool:
    try:
        date.fromisoformat(stem)
    except ValueError:
        return False
    return True


def client_shards(data: str, train: tuple[date, date] | None, clients: int, synthetic_share: float, seed: int):
    """One shard per client: real blocks of the training days (when there is real data), the rest synthetic."""
    synthetic = clients if data == "synthetic" else int(round(clients * synthetic_share))
    real = clients - synthetic
    shards = []
    if real:
        blocks = split_days(available_days(data, *train), real)
        shards += [Shard(f"days {b[0]}..{b[-1]}", data, str(b[0]), str(b[-1])) for b in blocks]
    names = list(REGIMES)
    shards += [
        Shard(f"synthetic {names[k % 3]} #{k}", regime=names[k % 3], seed=seed * 1000 + k) for k in range(synthetic)
    ]
    return shards
