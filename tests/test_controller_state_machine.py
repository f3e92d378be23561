"""Stateful property test of FeeController with a DynamicFeePool, and with a Uniswap v4 pool behind a
DynamicFeeHook, in process with titanoboa (no node).

The verifier is tests/boa/PolicyVerifier.vy: it accepts exactly the public inputs whose actions are what a fixed
linear policy outputs on the observations in them (what a real proof proves, without the cryptography). Roles:
the owner (registers, governs, retires, sets the interval), an honest proposer (the policy's actions on the
features the chain fixes), an attacker (other actions, other moments, other epochs, other models, too many or
too few actions, direct calls to the pool and to the owner's functions), a trader (who moves the features and
opens epochs) and time. A Python model predicts every outcome to the revert reason, from the formulas:
envs/features.py quantises the observations, agents/zk/rule_grid.py maps the actions, the clamp is written here.

Invariants (each the docstring of its check): the fee rule changes only through a proposal the verifier accepts
for the features at the moment the chain fixes, to the policy's rule clamped; at most once per interval, whatever
the swaps do; within the pool's bounds and step; never to itself; a refused call changes nothing. With the hook,
the attacker also calls the hook's callbacks directly (only the PoolManager may) and proposes for a second pool
on the same hook that the controller does not govern.

Why this module is long: one state machine (the model of every outcome, the attacks, the invariants) and the two
kinds of pool it runs against.
"""

from __future__ import annotations

import collections
import functools
import math
from pathlib import Path

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from v4_world import Q96, TICK_SPACING, v4_world

from agents.zk.rule_grid import RuleGrid
from envs.amm import PoolParams
from envs.features import quantised_observation
from envs.fee_rule import FeeRule
from envs.rule_map import OutputMap, RuleMap

ROOT = Path(__file__).resolve().parents[1]
FAR = 2**63
FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617
PARAMS = PoolParams()
IN_SCALE, OUT_SCALE, GRID_BITS, SHIFT = 10, 10, 6, 2
ONE = 1 << OUT_SCALE
# the policy the verifier accepts: action_i = clamp(sum_j W[i][j] * obs_j // 2**SHIFT + BIAS[i], -ONE, ONE)
WEIGHTS = [[-4, 1, 0, 1, 0, 1, 1, 0], [2, 1, -3, 4, 1, -8, -2, 3], [0] * 8, [0] * 8]  # the base settles: NoChange
BIAS = [300, -100, 0, 0]
MODELS = {
    "A": RuleMap(FeeRule(3_000), (OutputMap("base", 100, 10_000, log=True),)),
    "B": RuleMap(
        FeeRule(3_000, skew_gain=50_000, skew_tau=600),
        (OutputMap("base", 300, 30_000, log=True), OutputMap("skew_cap", 0, 20_000, log=False)),
    ),
}
MODEL_IDS = {name: name.encode().ljust(32, b"\0") for name in [*MODELS, "unknown"]}
OUTCOMES: collections.Counter = collections.Counter()


def tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def policy(obs: list[int], outputs: int) -> list[int]:
    return [
        max(-ONE, min(ONE, tdiv(sum(w * o for w, o in zip(WEIGHTS[i], obs, strict=True)), 1 << SHIFT) + BIAS[i]))
        for i in range(outputs)
    ]


def clamp(rule: FeeRule, old_base: int) -> FeeRule:
    """The controller's clamp: the base within the pool's bounds and max step, the fee caps within fee_max."""
    lo = max(PARAMS.fee_min, old_base - min(old_base, PARAMS.fee_max_step))
    hi = min(PARAMS.fee_max, old_base + PARAMS.fee_max_step)
    caps = {f: min(getattr(rule, f), PARAMS.fee_max) for f in ("skew_cap", "vol_jump", "surge_fee")}
    return FeeRule(**{**rule.__dict__, **caps, "base": max(lo, min(hi, rule.base))})


def felt(x: int) -> int:
    return x if x >= 0 else FIELD - (-x)


@functools.cache
def _deployers():
    load = boa.load_partial
    return {
        "token": load(str(ROOT / "contracts/testing/TestToken.vy")),
        "pool": load(str(ROOT / "contracts/DynamicFeePool.vy")),
        "controller": load(str(ROOT / "contracts/FeeController.vy")),
        "verifier": load(str(ROOT / "tests/boa/PolicyVerifier.vy")),
    }


class PoolTarget:
    """A DynamicFeePool as the controller's pool: its address, no pool id."""

    def __init__(self, pool, trader):
        self.pool, self.trader, self.address, self.args = pool, trader, pool.address, ()

    def rule(self) -> int:
        return self.pool.rule()

    def epoch(self) -> int:
        return self.pool.epoch()

    def last_ts(self) -> int:
        return self.pool.last_ts()

    def features_at(self, at: int) -> list[int]:
        return list(self.pool.features_at(at)[0])

    def set_rule(self, word: int, sender):
        return self.pool.set_rule(word, sender=sender)

    def swap(self, zero_for_one: bool, size_bps: int):
        """A swap of size_bps of the reserve it sells into."""
        reserve = self.pool.reserve0() if zero_for_one else self.pool.reserve1()
        self.pool.swap(zero_for_one, reserve * size_bps // 10_000, 0, self.trader, FAR, sender=self.trader)


class HookTarget:
    """A v4 pool behind DynamicFeeHook as the controller's pool: the hook's address and the pool's id."""

    def __init__(self, v4):
        self.v4, self.hook, self.address, self.args = v4, v4.hook, v4.hook.address, (v4.pool_id,)

    def rule(self) -> int:
        return self.hook.rule(self.v4.pool_id)

    def epoch(self) -> int:
        return self.hook.epoch(self.v4.pool_id)

    def last_ts(self) -> int:
        return self.hook.last_ts(self.v4.pool_id)

    def features_at(self, at: int) -> list[int]:
        return list(self.hook.features_at(self.v4.pool_id, at)[0])

    def set_rule(self, word: int, sender):
        return self.hook.set_rule(self.v4.pool_id, word, sender=sender)

    def swap(self, zero_for_one: bool, size_bps: int):
        reserve = self.v4.reserves()[0 if zero_for_one else 1]
        self.v4.swap(zero_for_one, reserve * size_bps // 10_000)


class ControllerWorld:
    """The controller (governing the pool with model A), its pool with liquidity (a DynamicFeePool, or a v4 pool
    behind DynamicFeeHook with the same parameters, plus a second, ungoverned pool on the hook), deployed once
    per test."""

    def __init__(self, kind: str = "pool"):
        d, env = _deployers(), boa.env
        self.owner, self.proposer, self.attacker, self.trader = (
            env.generate_address(n) for n in ("owner", "proposer", "attacker", "trader")
        )
        with env.prank(self.owner):
            self.t0 = d["token"].deploy("Token zero", "TK0", 18)
            self.t1 = d["token"].deploy("Token one", "TK1", 6)
            self.controller = d["controller"].deploy(60)
            taus = [PARAMS.tau_fast, PARAMS.tau_slow, PARAMS.tau_flow, PARAMS.tau_twap]
            self.pool = d["pool"].deploy(
                self.t0,
                self.t1,
                self.controller,
                FeeRule(3_000).pack(),
                PARAMS.fee_min,
                PARAMS.fee_max,
                PARAMS.fee_max_step,
                taus,
            )
            verifier = d["verifier"].deploy(WEIGHTS, BIAS, SHIFT, ONE)
            for name, rule_map in MODELS.items():
                template, outputs = RuleGrid(OUT_SCALE, GRID_BITS, rule_map).registration()
                self.controller.register_model(
                    MODEL_IDS[name], verifier, IN_SCALE, OUT_SCALE, GRID_BITS, template, outputs
                )
            if kind == "pool":
                self.target = PoolTarget(self.pool, self.trader)
                for who in (self.owner, self.trader):
                    for token in (self.t0, self.t1):
                        token.mint(who, 10**32)
                        token.approve(self.pool, 2**256 - 1, sender=who)
                self.pool.add_liquidity(1_000 * 10**18, 2_000_000 * 10**6, 0, FAR)
        if kind == "hook":  # the same reserves, as a full-range position
            sqrt_price = math.isqrt(2_000_000 * 10**6 * Q96**2 // (1_000 * 10**18))
            v4 = v4_world(FeeRule(3_000), PARAMS, sqrt_price, math.isqrt(2 * 10**33), self.controller.address)
            self.v4, self.target, self.trader = v4, HookTarget(v4), v4.trader
            other = (*v4.key[:3], 2 * TICK_SPACING, v4.key[4])  # a second pool on the hook, not governed
            with env.prank(v4.owner):
                v4.pm.initialize(other, sqrt_price)
            self.other_id = v4.hook.pool_id(other)
        with env.prank(self.owner):
            self.controller.govern(self.target.address, MODEL_IDS["A"], *self.target.args)


ATTACKS = [
    "action+1",
    "action-1",
    "action+grid",
    "action-grid",
    "action out of range",
    "at-1",
    "at+1",
    "at the last swap",
    "at the interval start",
    "epoch-1",
    "epoch+1",
    "the other model",
    "an unknown model",
    "one action more",
    "one action less",
    "the rule in force",
]


class ControllerMachine(RuleBasedStateMachine):
    world: ControllerWorld

    def __init__(self):
        super().__init__()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        w = self.w = self.world
        self.c, self.pool = w.controller, w.target
        self.governed, self.retired, self.interval = "A", set(), 60
        self.rule, self.last_update = FeeRule(3_000), 0
        self.updates: list[dict] = []
        self.refusals: list[tuple[str, tuple, tuple]] = []

    def teardown(self):
        self._anchor.__exit__(None, None, None)

    def _snapshot(self) -> tuple:
        c, pool = self.c, self.pool
        models = tuple(tuple(c.models(MODEL_IDS[n])) for n in MODELS)
        at, args = pool.address, pool.args
        hook_state = (tuple(self.w.v4.hook.state(pool.args[0])),) if pool.args else ()
        record = (c.last_update(at, *args), c.pool_model(at, *args), c.min_interval(), c.owner())
        return (pool.rule(), *record, models, *hook_state)

    def _refused(self, label: str, reason: str | None, call):
        before = self._snapshot()
        with boa.reverts(reason) if reason else boa.reverts():
            call()
        self.refusals.append((label, before, self._snapshot()))

    def _actions_for(self, model: str, target: FeeRule) -> list[int] | None:
        """Grid actions whose rule, clamped, is `target` (each output on its own field), or None."""
        grid, step = RuleGrid(OUT_SCALE, GRID_BITS, MODELS[model]), 1 << (OUT_SCALE - GRID_BITS)
        points = [t * step - ONE for t in range(2 ** (GRID_BITS + 1) + 1)]
        actions = [0] * len(MODELS[model].outputs)
        for i, output in enumerate(MODELS[model].outputs):
            fits = [
                a
                for a in points
                if getattr(clamp(grid.rule([*actions[:i], a, *actions[i + 1 :]]), target.base), output.field)
                == getattr(target, output.field)
            ]
            if not fits:
                return None
            actions[i] = fits[0]
        return actions if clamp(grid.rule(actions), target.base) == target else None

    # ---------- rules ----------

    @rule(seconds=st.sampled_from([0, 1, 12, 59, 60, 61, 599, 600, 601, 3_600, 86_400]))
    def time_passes(self, seconds):
        if seconds:
            boa.env.time_travel(seconds=seconds)

    @rule(zero_for_one=st.booleans(), size_bps=st.sampled_from([1, 10, 100, 1_000]))
    def trader_swaps(self, zero_for_one, size_bps):
        """A swap of size_bps of the reserve it sells into: it moves the features and opens a new epoch."""
        self.pool.swap(zero_for_one, size_bps)

    @rule(by_attacker=st.booleans())
    def someone_proposes_honestly(self, by_attacker):
        """The policy's actions on the features at the moment the chain fixes. Anyone may propose."""
        self._propose("honest", by_attacker)

    @rule(attack=st.sampled_from(ATTACKS), by_attacker=st.booleans())
    def someone_proposes_otherwise(self, attack, by_attacker):
        """One attack on the honest proposal: the verifier (or the controller's checks) must refuse it, unless it
        changes nothing of what is proven."""
        self._propose(attack, by_attacker)

    def _propose(self, attack: str, by_attacker: bool):
        c, pool, now = self.c, self.pool, boa.env.timestamp
        model = {"the other model": "B" if self.governed == "A" else "A", "an unknown model": "unknown"}.get(
            attack, self.governed
        )
        last_ts = pool.last_ts()
        at = max(last_ts, now - now % self.interval)  # the moment the chain fixes
        epoch = pool.epoch()
        obs = quantised_observation(pool.features_at(at), IN_SCALE)
        outputs = len(MODELS[model].outputs) if model in MODELS else 1
        actions = policy(obs, outputs)
        honest = list(actions)
        step = 1 << (OUT_SCALE - GRID_BITS)
        at = {"at-1": at - 1, "at+1": at + 1, "at the last swap": last_ts}.get(attack, at)
        at = now - now % self.interval if attack == "at the interval start" else at
        epoch = {"epoch-1": epoch - 1 if epoch else epoch + 2, "epoch+1": epoch + 1}.get(attack, epoch)
        if attack.startswith("action"):
            delta = {"action+1": 1, "action-1": -1, "action+grid": step, "action-grid": -step}.get(attack, 0)
            actions[0] = actions[0] + delta if delta else (ONE + 1 if actions[0] <= 0 else -ONE - 1)
        if attack == "the rule in force" and model in MODELS:
            actions = self._actions_for(model, self.rule) or actions
        if attack == "one action more":
            actions = [*actions, 0]
        if attack == "one action less":
            actions = actions[:-1]

        old = self.rule
        if model not in MODELS:
            reason = "UnknownModel"
        elif model in self.retired:
            reason = "ModelRetired"
        elif model != self.governed:
            reason = "WrongModel"
        elif self.last_update and now < self.last_update + self.interval:
            reason = "TooSoon"
        elif epoch != pool.epoch() or at != max(last_ts, now - now % self.interval):
            reason = "StaleFeatures"
        elif len(actions) != len(MODELS[model].outputs):
            reason = "WrongActions"
        elif any(abs(a) > ONE for a in actions):
            reason = "ActionOutOfRange"
        else:
            new = clamp(RuleGrid(OUT_SCALE, GRID_BITS, MODELS[model]).rule(actions), old.base)
            reason = "NoChange" if new == old else None if actions == honest else "InvalidProof"
        who = self.w.attacker if by_attacker else self.w.proposer
        call = lambda: c.propose(  # noqa: E731
            pool.address, MODEL_IDS[model], at, epoch, actions, b"proof", *pool.args, sender=who
        )
        OUTCOMES[reason or f"updated ({'by the attacker' if by_attacker else 'honest'})"] += 1
        if reason:
            self._refused(f"propose: {attack}", reason, call)
            return
        if attack != "honest":  # an attack that changes nothing of what is proven is an honest proposal
            assert actions == honest and epoch == pool.epoch(), attack
        call()
        assert FeeRule.unpack(pool.rule()) == new
        self.updates.append(dict(at=now, old=old, new=new, interval=self.interval, actions=actions, obs=obs))
        self.rule, self.last_update = new, now

    @rule(seconds=st.sampled_from([1, 60, 600, 3_600]))
    def owner_sets_the_interval(self, seconds):
        self.c.set_min_interval(seconds, sender=self.w.owner)
        self.interval = seconds

    @rule(model=st.sampled_from(list(MODELS)))
    def owner_governs(self, model):
        if model in self.retired:
            govern = lambda: self.c.govern(  # noqa: E731
                self.pool.address, MODEL_IDS[model], *self.pool.args, sender=self.w.owner
            )
            self._refused("govern a retired model", "ModelRetired", govern)
            return
        self.c.govern(self.pool.address, MODEL_IDS[model], *self.pool.args, sender=self.w.owner)
        self.governed = model

    @rule()
    def owner_retires_b(self):
        self.c.retire_model(MODEL_IDS["B"], sender=self.w.owner)
        self.retired.add("B")

    @rule(who=st.sampled_from(["proposer", "attacker", "trader"]), call=st.integers(0, 5), base=st.integers(1, 20_000))
    def others_call_what_they_may_not(self, who, call, base):
        """The owner's functions, and the pool's set_rule directly, by anyone else: refused, nothing changes."""
        w, c, me = self.w, self.c, getattr(self.w, who)
        template, outputs = RuleGrid(OUT_SCALE, GRID_BITS, MODELS["A"]).registration()
        calls = [
            ("set_rule", lambda: self.pool.set_rule(FeeRule(base).pack(), me)),
            ("govern", lambda: c.govern(self.pool.address, MODEL_IDS["B"], *self.pool.args, sender=me)),
            ("retire_model", lambda: c.retire_model(MODEL_IDS[self.governed], sender=me)),
            ("set_min_interval", lambda: c.set_min_interval(1, sender=me)),
            (
                "register_model",
                lambda: c.register_model(MODEL_IDS["unknown"], w.t0, 0, 0, 0, template, outputs, sender=me),
            ),
            ("set_rule (as the verifier would)", lambda: self.pool.set_rule(self.rule.pack(), me)),
        ]
        name, fn = calls[call]
        self._refused(f"{who}: {name}", "Unauthorized", fn)

    @precondition(lambda self: bool(self.pool.args))
    @rule(call=st.sampled_from(["beforeInitialize", "beforeSwap", "afterSwap"]), zero_for_one=st.booleans())
    def attacker_calls_the_hook(self, call, zero_for_one):
        """The hook's callbacks, called by anyone but the PoolManager: refused, nothing changes."""
        v4, me = self.w.v4, self.w.attacker
        params = (zero_for_one, -(10**18), 0)
        fn = {
            "beforeInitialize": lambda: v4.hook.beforeInitialize(me, v4.key, 2**96, sender=me),
            "beforeSwap": lambda: v4.hook.beforeSwap(me, v4.key, params, b"", sender=me),
            "afterSwap": lambda: v4.hook.afterSwap(me, v4.key, params, -(10**30), b"", sender=me),
        }[call]
        self._refused(f"attacker: {call}", "NotPoolManager", fn)

    @precondition(lambda self: bool(self.pool.args))
    @rule(by_attacker=st.booleans())
    def someone_proposes_for_a_pool_not_governed(self, by_attacker):
        """The policy's actions for the hook's other pool, which the controller does not govern: refused."""
        other, now = self.w.other_id, boa.env.timestamp
        hook = self.w.v4.hook
        at = max(hook.last_ts(other), now - now % self.interval)
        obs = quantised_observation(list(hook.features_at(other, at)[0]), IN_SCALE)
        actions, who = policy(obs, 1), self.w.attacker if by_attacker else self.w.proposer
        propose = lambda: self.c.propose(  # noqa: E731
            hook.address, MODEL_IDS[self.governed], at, hook.epoch(other), actions, b"proof", other, sender=who
        )
        OUTCOMES["NotGoverned"] += 1
        self._refused("propose for a pool not governed", "NotGoverned", propose)

    # ---------- invariants ----------

    @invariant()
    def the_rule_is_the_last_accepted_proposals(self):
        """The pool's rule and the controller's record change only through accepted proposals."""
        assert FeeRule.unpack(self.pool.rule()) == self.rule
        assert self.c.last_update(self.pool.address, *self.pool.args) == self.last_update

    @invariant()
    def updates_are_the_policys_within_bounds_and_spaced(self):
        """Every update sets the clamp of the policy's rule on the proven observations; its base lies in
        [fee_min, fee_max] at most fee_max_step from the one it replaced, the caps at most fee_max; it changes
        the rule; and two updates are at least the interval apart."""
        for i, u in enumerate(self.updates):
            new, old = u["new"], u["old"]
            assert u["actions"] == policy(u["obs"], len(u["actions"]))
            assert PARAMS.fee_min <= new.base <= PARAMS.fee_max and abs(new.base - old.base) <= PARAMS.fee_max_step
            assert max(new.skew_cap, new.vol_jump, new.surge_fee) <= PARAMS.fee_max and new != old
            if i:
                assert u["at"] >= self.updates[i - 1]["at"] + u["interval"]

    @invariant()
    def refusals_change_nothing(self):
        """A refused call leaves the rule, the record, the models, the governance, the interval and the owner."""
        for label, before, after in self.refusals:
            assert before == after, label
        self.refusals.clear()


@pytest.mark.parametrize("kind", ["pool", "hook"])
def test_fee_controller_state_machine(kind):
    OUTCOMES.clear()
    ControllerMachine.world = ControllerWorld(kind)
    run_state_machine_as_test(
        ControllerMachine,
        settings=settings(
            max_examples=150,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    reached = {k for k, n in OUTCOMES.items() if n}
    must = {"updated (honest)", "updated (by the attacker)", "TooSoon", "StaleFeatures", "InvalidProof", "NoChange"}
    must |= {"WrongModel", "UnknownModel", "ActionOutOfRange", "WrongActions"}
    assert must | ({"NotGoverned"} if kind == "hook" else set()) <= reached, OUTCOMES
    print(sorted(OUTCOMES.items()))
