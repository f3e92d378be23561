"""`lamm fl simulate`: one federated epoch with attackers, the same epoch without them, and what each earned.

The Byzantine clients are drawn by the seed. The report holds the policy's hedged PnL per day on the
evaluation days at round zero, after the epoch, and after the same epoch with only the honest clients (same
rule); the rewards and slashes; and, with `chain`, the epoch played through TrainingRounds (gas per call,
audits)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from agents.fl import attacks
from agents.fl.evaluation import pnl_per_day
from agents.fl.federation import Federation, describe
from agents.fl.fixed_point import encode
from agents.fl.merkle import update_root
from agents.fl.rounds import RoundSettings, RunResult, run_rounds, tolerated
from agents.fl.trainers import trainer_for


def draw_byzantine(clients: int, byzantine: int, seed: int) -> list[int]:
    return sorted(int(c) for c in np.random.default_rng(seed + 17).choice(clients, byzantine, replace=False))


def _figures(fed: Federation, run: RunResult, start: float) -> dict:
    pnl = pnl_per_day(fed, fed.eval_market, run.params)
    return {"hedged_pnl_bps_per_day": pnl, "gain_over_start": pnl - start, "policy_hash": update_root(run.params).hex()}


def simulate(
    fed: Federation,
    attack: str,
    byzantine: int,
    settings: RoundSettings,
    chain: bool = False,
    store: Path | None = None,
    rpc: str | None = None,
    progress=None,
    backend: str = "local",
    address: str | None = None,
) -> dict:
    clients = fed.spec.clients
    attacks.check_attack(attack, byzantine, clients)
    bad = draw_byzantine(clients, byzantine, settings.seed)
    start = pnl_per_day(fed, fed.eval_market, encode(fed.shape.initial(fed.base, settings.seed)))
    trainer = trainer_for(backend, address)
    try:
        run = run_rounds(fed, range(clients), bad, attack, settings, progress=progress, trainer=trainer)
        honest = [c for c in range(clients) if c not in bad]
        honest_run = run if not bad else run_rounds(fed, honest, [], "none", settings, score=False, trainer=trainer)
    finally:
        trainer.close()
    report = {
        "rule": settings.rule,
        "prestep": settings.prestep,
        "attack": attack,
        "byzantine": bad,
        "tolerate": tolerated(settings, clients),
        "settings": asdict(settings) | {"budget": str(settings.budget)},
        "clients": describe(fed),
        "evaluation_days": list(fed.spec.evaluation) if fed.spec.data != "synthetic" else "synthetic",
        "start": {"hedged_pnl_bps_per_day": start},
        "final": _figures(fed, run, start),
        "honest_only": _figures(fed, honest_run, start),
        "rewards": {str(c): str(v) for c, v in sorted(run.rewards_by_client().items())},
        "scores": {str(c): v for c, v in sorted(run.summed_scores().items())},  # millionths of bps/day, summed
        "slashed": run.slashed(),
        "flagged": sorted({c for r in run.records for c in r.flagged}),
    }
    if chain:
        from agents.fl.onchain import play

        report["chain"] = play(run, settings, tolerated(settings, clients), store or Path("fl-store"), rpc)
    return report
