"""A portfolio strategy's memory across runs: the prices it has decided on, so that a run in a fresh process
(a scheduled job, `lamm agent portfolio --once`) continues the strategy where the last run left it.

A strategy decides at step t from prices[: t + 1] (strategies.portfolio); a backtest holds the whole history in
memory, a run of the agent holds one row. Each completed run appends its row (the time of the run and the
assets' prices) under a key (the schedule's job id, or the vault and strategy), in a table of the schedule database;
the next run reads them back, so t, the cadence of `mix:every=N`, the band of `mix:band=X`, the lookback of
`momentum` and the observation of `learned:` are what a backtest over the same prices would see. The assets,
by address and in order, are part of the memory: a vault whose assets changed is refused, not silently mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

METADATA = MetaData()
MEMORY = Table(
    "lamm_strategy_memory",
    METADATA,
    Column("key", String(191), primary_key=True),
    Column("strategy", String(191), nullable=False),
    Column("tokens", JSON, nullable=False),  # the assets' addresses, in the vault's order
    Column("times", JSON, nullable=False),  # when each decision was taken (unix seconds)
    Column("prices", JSON, nullable=False),  # [decision][asset], numeraire per token
    Column("updated", DateTime(timezone=True)),
)


@dataclass
class History:
    tokens: list[str]
    times: list[int] = field(default_factory=list)
    prices: list[list[float]] = field(default_factory=list)

    def array(self) -> np.ndarray:
        return np.array(self.prices, dtype=np.float64).reshape(len(self.prices), len(self.tokens))


class StrategyMemory:
    """The history of one strategy on one vault under `key`, in the database of `engine` (SQLAlchemy)."""

    def __init__(self, engine, key: str, strategy: str):
        self.engine, self.key, self.strategy = engine, key, strategy
        METADATA.create_all(engine)

    def load(self, tokens: list[str]) -> History:
        """The saved history, or an empty one; refuses a history of another strategy or other assets."""
        with self.engine.connect() as c:
            row = c.execute(select(MEMORY).where(MEMORY.c.key == self.key)).mappings().one_or_none()
        if row is None:
            return History(list(tokens))
        if row["strategy"] != self.strategy:
            raise ValueError(
                f"the memory {self.key!r} is of strategy {row['strategy']!r}, not {self.strategy!r}: start over "
                "with --fresh (lamm agent portfolio) or use a new schedule job for another strategy"
            )
        if [t.lower() for t in row["tokens"]] != [t.lower() for t in tokens]:
            raise ValueError(
                f"the vault's assets changed since the history of {self.key!r} began (was {', '.join(row['tokens'])};"
                f" now {', '.join(tokens)}): the strategy's prices would no longer line up; start over with --fresh "
                "(lamm agent portfolio) or a new schedule job"
            )
        return History(list(row["tokens"]), list(row["times"]), [list(p) for p in row["prices"]])

    def save(self, history: History) -> None:
        from datetime import UTC, datetime

        values = dict(
            key=self.key,
            strategy=self.strategy,
            tokens=history.tokens,
            times=history.times,
            prices=history.prices,
            updated=datetime.now(UTC),
        )
        with self.engine.begin() as c:
            if self.engine.dialect.name == "sqlite":
                stmt = sqlite_insert(MEMORY).values(**values)
                c.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
            else:
                c.execute(MEMORY.delete().where(MEMORY.c.key == self.key))
                c.execute(MEMORY.insert().values(**values))

    def forget(self) -> None:
        with self.engine.begin() as c:
            c.execute(MEMORY.delete().where(MEMORY.c.key == self.key))


class RememberingStrategy:
    """A strategy run one decision per agent run: its history is the remembered prices plus this run's row, so
    decision t sees prices[: t + 1] as a backtest over the same prices would. `waiting` says why a decision
    was not taken (warming up for the strategy's lookback, or too early for its cadence)."""

    def __init__(self, strategy, memory: StrategyMemory | None = None):
        self.strategy, self.memory = strategy, memory
        self.history: History | None = None
        self.waiting = ""

    def decide(self, tokens: list[str], symbols: list[str], timestamp: int, prices, weights) -> np.ndarray | None:
        """The target at this run's prices (asset order = `tokens`), or None."""
        if self.history is None:
            self.history = self.memory.load(tokens) if self.memory else History(list(tokens))
            self.strategy.reset(len(tokens))
            check = getattr(self.strategy, "check_assets", None)
            if check:
                check(symbols)
        elif [t.lower() for t in self.history.tokens] != [t.lower() for t in tokens]:
            raise ValueError("the vault's assets changed during the run: start the agent again")
        history, self.waiting = self.history, ""
        interval = getattr(self.strategy, "interval", None)
        if interval and history.times and timestamp - history.times[-1] < interval / 2:
            ago = timestamp - history.times[-1]
            self.waiting = f"too early: the strategy reads prices every {interval} s, the last were read {ago} s ago"
            return None
        history.times.append(int(timestamp))
        history.prices.append([float(p) for p in prices])
        t = len(history.prices) - 1
        needed = self.strategy.history_needed
        if t < needed:
            self.waiting = f"warming up: the strategy needs {needed} earlier prices, it has {t}"
            return None
        target = self.strategy.target(t, history.array(), np.asarray(weights, dtype=np.float64))
        return None if target is None else np.asarray(target, dtype=np.float64)

    def remember(self) -> None:
        """Saves the history (after a decision that was carried out: a dry run or a failed one decides again)."""
        if self.memory and self.history is not None and self.history.prices:
            self.memory.save(self.history)
