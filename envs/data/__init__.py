"""Validated loaders for market data: swap events, demeter minute bars and tick events, price series."""

from envs.data.demeter import load_minute_bars, load_tick_events
from envs.data.errors import DataError
from envs.data.prices import load_prices
from envs.data.schema import SWAP_SCHEMA
from envs.data.swaps import load_swaps, save_swaps

__all__ = [
    "SWAP_SCHEMA",
    "DataError",
    "load_minute_bars",
    "load_prices",
    "load_swaps",
    "load_tick_events",
    "save_swaps",
]
