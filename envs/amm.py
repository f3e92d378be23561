"""The exact-integer constant-product pool and its replay loop, backed by the C core in `_ammcore.c`.

`Pool` is the pool the Vyper contract implements, wei for wei: reserves, the per-swap fee rule
(envs.fee_rule, fees in pips of 1e-6), and the feature accumulators updated on every swap. `Replay` drives a
pool through replay arrays step by step; the environment and the backtester both use it, so they cannot
disagree.

Why this module is long: it binds one C core, and each function's ctypes signature sits next to the class that
calls it.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from envs.fee_rule import NRULE, FeeRule

FEE_DENOM = 1_000_000
RESERVE_LIMIT = 1 << 112
_WORD = (1 << 64) - 1

_SWAP_ERRORS = {1: "zero input", 2: "zero output", 3: "reserve overflow (2**112)"}


def _load_core() -> ctypes.CDLL:
    here = Path(__file__).parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = here / f"_ammcore{suffix}"
        if path.exists():
            return ctypes.CDLL(str(path))
    raise ImportError(
        f"the compiled AMM core is missing in {here}: reinstall the package (pip install -e .) to build it"
    )


_core = _load_core()
_p = ctypes.c_void_p
_i64 = ctypes.c_int64
_u64 = ctypes.c_uint64
_arr = np.ctypeslib.ndpointer


def _sig(name: str, res, *args) -> None:
    fn = getattr(_core, name)
    fn.restype = res
    fn.argtypes = list(args)


_sig("pool_new", _p)
_sig("pool_free", None, _p)
_sig("pool_export", None, _p, _arr(np.uint64, flags="C"))
_sig("pool_import", None, _p, _arr(np.uint64, flags="C"))
_sig("pool_field_words", ctypes.c_int)
_sig("pool_clamp_rule", None, _p, _arr(np.int64, flags="C"), _arr(np.int64, flags="C"))
_sig("pool_set_rule", None, _p, _arr(np.int64, flags="C"))
_sig("pool_rule_fee", _i64, _p, ctypes.c_int, _i64)
_sig(
    "pool_swap",
    ctypes.c_int,
    _p,
    ctypes.c_int,
    _u64,
    _u64,
    _i64,
    _arr(np.uint64),
    _arr(np.uint64),
    ctypes.POINTER(ctypes.c_int64),
)
_sig("pool_features", None, _p, _i64, _arr(np.int64), _arr(np.int64))
_sig("pool_record", None, _p, _u64, _u64, _i64)
_sig("ledger_new", _p)
_sig("ledger_free", None, _p)
_sig("ledger_export", None, _p, _arr(np.int64))
_sig("nout", ctypes.c_int)
_sig("nfeatures", ctypes.c_int)
_sig("nrule", ctypes.c_int)

NOUT = _core.nout()
NFEATURES = _core.nfeatures()
_NWORDS = _core.pool_field_words()
assert _core.nrule() == NRULE
_BIG_FIELDS = ("r0", "r1", "var_fast", "var_slow", "flow", "volume", "logp", "logp_twap", "skew")
_SMALL_FIELDS = (
    "surge_ts",
    "last_ts",
    "epoch",
    "tau_fast",
    "tau_slow",
    "tau_flow",
    "tau_twap",
    "fee_min",
    "fee_max",
    "fee_max_step",
)
_SIGNED = {"var_fast", "var_slow", "flow", "volume", "logp", "logp_twap", "skew"}
_NBIG = len(_BIG_FIELDS)

# Per-step output columns of the replay loop (order fixed by the C core).
STEP_COLUMNS = (
    "fees",
    "markout_ex_fee",
    "offered_volume",
    "kept_volume",
    "arb_volume",
    "n_arbs",
    "tvl",
    "fee_pips",
    "fair_price",
    "pool_price",
    "debt",
    "fees_arb",
    "markout_arb",
    "fees_informed",
    "markout_informed",
    "fees_uninformed",
    "markout_uninformed",
    "offered_informed",
    "kept_informed",
    "fee_buy_pips",
    "fee_sell_pips",
)
assert len(STEP_COLUMNS) == NOUT
SOURCES = ("arb", "informed", "uninformed")  # fees_<source> and markout_<source> add up to fees and markout_ex_fee


@dataclass(frozen=True)
class PoolParams:
    """Immutable pool parameters: fee bounds and the base fee's max change per update (pips), and the feature
    EWMA time constants (seconds)."""

    fee_min: int = 100
    fee_max: int = 10_000
    fee_max_step: int = 2_500
    tau_fast: int = 300
    tau_slow: int = 3_600
    tau_flow: int = 900
    tau_twap: int = 1_800


class SwapError(ValueError):
    """A swap the pool refuses (the contract reverts on the same inputs)."""


def _split(value: int) -> tuple[int, int]:
    return value & _WORD, (value >> 64) & _WORD


def _join(lo: int, hi: int, signed: bool = False) -> int:
    value = (int(hi) << 64) | int(lo)
    if signed and value >= 1 << 127:
        value -= 1 << 128
    return value


class Pool:
    """A constant-product pool with exact integer state, owned by the C core."""

    def __init__(
        self, reserve0: int, reserve1: int, rule: FeeRule | int, params: PoolParams = PoolParams(), now: int = 0
    ):
        if reserve0 <= 0 or reserve1 <= 0:
            raise ValueError("pool reserves must be positive")
        if max(reserve0, reserve1) >= RESERVE_LIMIT:
            raise ValueError("pool reserves must stay below 2**112")
        rule = FeeRule(int(rule)) if isinstance(rule, int | np.integer) else rule
        if not params.fee_min <= rule.base <= params.fee_max:
            raise ValueError(f"base fee {rule.base} pips is outside [{params.fee_min}, {params.fee_max}]")
        self._ptr = _core.pool_new()
        state = dict.fromkeys(_BIG_FIELDS, 0) | dict.fromkeys(_SMALL_FIELDS, 0)
        state |= {"r0": reserve0, "r1": reserve1, "last_ts": now, "rule": rule}
        state |= {k: getattr(params, k) for k in PoolParams.__dataclass_fields__}
        self.state = state

    def __del__(self):
        ptr = getattr(self, "_ptr", None)
        if ptr:
            _core.pool_free(ptr)
            self._ptr = None

    @property
    def state(self) -> dict:
        """Every field of the pool as a Python int (exact), and its fee rule as `rule`."""
        words = np.zeros(_NWORDS, dtype=np.uint64)
        _core.pool_export(self._ptr, words)
        out = {name: _join(words[2 * i], words[2 * i + 1], name in _SIGNED) for i, name in enumerate(_BIG_FIELDS)}
        small = words[2 * _NBIG :].view(np.int64)
        out |= {name: int(small[i]) for i, name in enumerate(_SMALL_FIELDS)}
        out["rule"] = FeeRule.from_array(small[len(_SMALL_FIELDS) :])
        return out

    @state.setter
    def state(self, values: dict) -> None:
        words = np.zeros(_NWORDS, dtype=np.uint64)
        for i, name in enumerate(_BIG_FIELDS):
            words[2 * i], words[2 * i + 1] = _split(values[name])
        small = [values[n] for n in _SMALL_FIELDS] + [int(v) for v in values["rule"].as_array()]
        words[2 * _NBIG :] = np.array(small, dtype=np.int64).view(np.uint64)
        _core.pool_import(self._ptr, words)

    @property
    def reserves(self) -> tuple[int, int]:
        s = self.state
        return s["r0"], s["r1"]

    @property
    def rule(self) -> FeeRule:
        return self.state["rule"]

    @property
    def fee(self) -> int:
        """The base fee (pips): the fee of both sides when the rule has nothing else."""
        return self.rule.base

    def clamp_rule(self, want: FeeRule) -> FeeRule:
        """The rule an update to `want` yields: every field within its width, fees within the pool's bounds, the
        base at most fee_max_step from the current base (what FeeController.vy does)."""
        out = np.zeros(NRULE, dtype=np.int64)
        _core.pool_clamp_rule(self._ptr, np.ascontiguousarray(want.as_array()), out)
        return FeeRule.from_array(out)

    def set_rule(self, want: FeeRule) -> FeeRule:
        _core.pool_set_rule(self._ptr, np.ascontiguousarray(want.as_array()))
        return self.rule

    def set_fee(self, want: int) -> int:
        """Sets a static rule of `want` pips (clamped); returns the base fee it yields."""
        return self.set_rule(FeeRule(int(want))).base

    def fee_for(self, zero_for_one: bool, now: int) -> int:
        """The fee (pips) the rule charges a swap in that direction at time `now`."""
        return int(_core.pool_rule_fee(self._ptr, int(not zero_for_one), int(now)))

    def swap(self, zero_for_one: bool, amount_in: int, timestamp: int) -> tuple[int, int]:
        """Exact-input swap at the rule's fee for its direction; returns (amount_out, fee kept in the input
        token)."""
        if not 0 <= amount_in < RESERVE_LIMIT:
            raise SwapError("amount in must be in [0, 2**112)")
        out = np.zeros(2, dtype=np.uint64)
        fee = np.zeros(2, dtype=np.uint64)
        pips = ctypes.c_int64(0)
        lo, hi = _split(amount_in)
        err = _core.pool_swap(self._ptr, int(zero_for_one), lo, hi, int(timestamp), out, fee, ctypes.byref(pips))
        if err:
            raise SwapError(_SWAP_ERRORS.get(err, f"error {err}"))
        return _join(out[0], out[1]), _join(fee[0], fee[1])

    def record(self, d1: int, reserves: tuple[int, int], timestamp: int) -> None:
        """Moves the accumulators for a swap made elsewhere (a v4 pool behind DynamicFeeHook): token1's reserve
        went by `d1` (signed, into the pool) from `reserves` (its (token0, token1) before the swap), which the
        pool then holds."""
        state = self.state
        self.state = state | {"r0": reserves[0], "r1": reserves[1]}
        lo, hi = _split(d1 % 2**128)
        _core.pool_record(self._ptr, lo, hi, int(timestamp))

    def features(self, now: int) -> list[int]:
        """The on-chain feature vector at time `now` (WAD integers; see envs.features)."""
        lo = np.zeros(NFEATURES, dtype=np.int64)
        hi = np.zeros(NFEATURES, dtype=np.int64)
        _core.pool_features(self._ptr, int(now), lo, hi)
        return [_join(int(lo[i]) & _WORD, int(hi[i]) & _WORD, True) for i in range(NFEATURES)]

    def features_into(self, now: int, lo: np.ndarray, hi: np.ndarray) -> None:
        """Fast path for the environment: features as (lo, hi) int64 words, no Python ints."""
        _core.pool_features(self._ptr, int(now), lo, hi)


FLOW_MODES = ("logit", "route")  # index = the C core's mode


class _FlowParams(ctypes.Structure):
    _fields_ = [
        ("beta", ctypes.c_double),
        ("venue_fee", ctypes.c_double),
        ("gas_token1", ctypes.c_double),
        ("mode", ctypes.c_int64),
    ]


_f64 = _arr(np.float64, flags="C")
_sig(
    "replay",
    ctypes.c_int,
    _p,
    ctypes.POINTER(_FlowParams),
    _arr(np.int64, flags="C"),
    _arr(np.int64, flags="C"),
    _f64,
    _f64,
    _f64,
    _f64,
    _arr(np.uint8, flags="C"),
    _arr(np.uint8, flags="C"),
    _arr(np.int64, flags="C"),
    _i64,
    _i64,
    _arr(np.int64, flags="C"),
    _arr(np.int64, flags="C"),
    _f64,
    _arr(np.int64, flags="C"),
    _f64,
    _p,
)


_sig(
    "flow_share",
    ctypes.c_double,
    _p,
    ctypes.POINTER(_FlowParams),
    ctypes.c_int,
    ctypes.c_double,
    ctypes.c_double,
    ctypes.c_double,
    _i64,
)


def flow_share(
    pool: Pool,
    zero_for_one: bool,
    amount: float,
    venue_price: float,
    venue_liquidity: float,
    now: int,
    beta: float,
    venue_fee: float,
    flow: str = "route",
) -> float:
    """The share of a swap of `amount` (raw units of its input) the flow model sends to `pool` rather than to
    the venue (price `venue_price`, raw token1 per raw token0; active liquidity `venue_liquidity`)."""
    params = _FlowParams(beta, venue_fee, 0.0, FLOW_MODES.index(flow))
    return float(
        _core.flow_share(
            pool._ptr, ctypes.byref(params), int(zero_for_one), amount, venue_price, venue_liquidity, int(now)
        )
    )


@dataclass(frozen=True)
class Ledger:
    """Exact token totals moved into the pool by uninformed traders, by the arbitrageur, and by recentring
    the pool across holes in the data."""

    trader0: int
    trader1: int
    arb0: int
    arb1: int
    gap0: int
    gap1: int


class Replay:
    """Drives a `Pool` through replay arrays (see envs.market.ReplayArrays), one or many steps per call."""

    def __init__(
        self,
        pool: Pool,
        arrays,
        beta: float,
        venue_fee: float,
        gas_token1: float,
        fair_price: float,
        position: int = 0,
        flow: str = "route",
    ):
        if flow not in FLOW_MODES:
            raise ValueError(f"flow model {flow!r}: use one of {', '.join(FLOW_MODES)}")
        self.pool = pool
        self.arrays = arrays
        self._flow = _FlowParams(beta, venue_fee, gas_token1, FLOW_MODES.index(flow))
        self._fair = np.array([fair_price], dtype=np.float64)
        self._last_block = np.array([arrays.block[position - 1] if position > 0 else -1], dtype=np.int64)
        self._ledger = _core.ledger_new()
        self.position = position  # next swap index

    def __del__(self):
        ptr = getattr(self, "_ledger", None)
        if ptr:
            _core.ledger_free(ptr)
            self._ledger = None

    @property
    def fair_price(self) -> float:
        return float(self._fair[0])

    @contextmanager
    def what_if(self):
        """Steps run inside the block leave no trace: the pool, the fair price, the position and the ledger are
        restored on exit. For counterfactual steps (the same step from the same state at another fee)."""
        state, fair, last_block, position, ledger = (
            self.pool.state,
            self._fair.copy(),
            self._last_block.copy(),
            self.position,
            self._ledger,
        )
        self._ledger = _core.ledger_new()
        try:
            yield self
        finally:
            _core.ledger_free(self._ledger)
            self._ledger = ledger
            self.pool.state = state
            self._fair[:] = fair
            self._last_block[:] = last_block
            self.position = position

    def run(self, step_end: np.ndarray, rules: np.ndarray) -> np.ndarray:
        """Runs len(step_end) steps (swap index bounds, exclusive), each with its rule (rows of NRULE parameters,
        envs.fee_rule; a 1-D array gives static base fees in pips), clamped as the controller clamps; returns
        the per-step table (rows x STEP_COLUMNS)."""
        step_end = np.ascontiguousarray(step_end, dtype=np.int64)
        rules = np.asarray(rules, dtype=np.int64)
        if rules.ndim == 1:
            static = np.zeros((len(rules), NRULE), dtype=np.int64)
            static[:, 0] = rules
            rules = static
        if rules.shape != (len(step_end), NRULE):
            raise ValueError(f"rules must be {len(step_end)} rows of {NRULE} parameters, not {rules.shape}")
        rules = np.ascontiguousarray(rules)
        out = np.empty((len(step_end), NOUT), dtype=np.float64)
        a = self.arrays
        self.position = _core.replay(
            self.pool._ptr,
            ctypes.byref(self._flow),
            a.timestamp,
            a.block,
            a.price,
            a.amount0,
            a.amount1,
            a.liquidity,
            a.uninformed,
            a.gap,
            a.mark,
            self.position,
            len(step_end),
            step_end,
            rules,
            self._fair,
            self._last_block,
            out,
            self._ledger,
        )
        return out

    @property
    def ledger(self) -> Ledger:
        words = np.zeros(12, dtype=np.int64)
        _core.ledger_export(self._ledger, words)
        vals = [_join(int(words[2 * i]) & _WORD, int(words[2 * i + 1]) & _WORD, True) for i in range(6)]
        return Ledger(*vals)
