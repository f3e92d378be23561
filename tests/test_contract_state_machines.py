"""Stateful property tests of the Vyper contracts, run in process with titanoboa (no node): hypothesis drives
random sequences of calls by every role against AgentVault and DynamicFeePool, and after every step checks the
invariants below (each written as the docstring of the check that holds it).

AgentVault: the owner, the agent, the price keeper, a friend who deposits and an attacker. The agent trades
through tests/boa/MockRouter.vy, a venue that pays at the market's ("honest") prices less a haircut: one
whitelisted honest router (a haircut of at most 30 bps), one whitelisted rogue router (any haircut, and it may
pull less than it was approved) and one router off the whitelist. The market moves; the owner sets reference
prices near it; the keeper moves them at random (refused beyond its bound); time passes; the non-owner roles
call every function they have no right to. A Python model predicts each call's outcome, to the revert reason.

DynamicFeePool: two LPs, a trader, a donor, the controller (an account: FeeController is not covered here,
since it needs a ZK verifier and contracts/testing/ has no stand-in one) and strangers. Liquidity comes and
goes (maxima, unbalanced), swaps go both ways, time passes, the controller sets random rules (pool_oracle
`rules()`, in and out of bounds), strangers try to, tokens are donated. tests/pool_oracle.py's Oracle
predicts every swap, fee and accumulator to the unit.

Why this module is long: each machine is one model of one contract, its rules and its invariants together.
"""

from __future__ import annotations

import collections
import functools
import math
from fractions import Fraction
from pathlib import Path

import boa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from pool_oracle import Oracle, rules

from envs.amm import PoolParams
from envs.fee_rule import FeeRule

ROOT = Path(__file__).resolve().parents[1]
WAD, BPS, FAR = 10**18, 10_000, 2**63
ZERO = "0x" + "0" * 40
OUTCOMES: collections.Counter = collections.Counter()  # (machine, outcome) -> count, so a test can show reach


def _settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@functools.cache
def _deployers():
    """The contracts, compiled once per process (titanoboa caches the compiler output)."""
    return {
        "token": boa.load_partial(str(ROOT / "contracts/testing/TestToken.vy")),
        "vault": boa.load_partial(str(ROOT / "contracts/AgentVault.vy")),
        "pool": boa.load_partial(str(ROOT / "contracts/DynamicFeePool.vy")),
        "router": boa.load_partial(str(ROOT / "tests/boa/MockRouter.vy")),
    }


def amounts(top_exponent: int) -> st.SearchStrategy[int]:
    """Positive integers spread over orders of magnitude (1 .. 999 * 10**top_exponent)."""
    return st.builds(lambda m, e: m * 10**e, st.integers(1, 999), st.integers(0, top_exponent))


# ======================================================================================================
# AgentVault
# ======================================================================================================

SLIPPAGE_BPS, TURNOVER_BPS, PERIOD, PRICE_AGE, JUMP_BPS = 100, 2_000, 86_400, 3_600, 500
OWNER_GAP_BPS = 50  # the owner sets reference prices within 0.5% of the market
HONEST_HAIRCUT_BPS = 30  # the honest venue's fee
HONEST = {"USDC": WAD, "WETH": 2_500 * 10**6, "WBTC": 60_000 * 10**6 * 10**10, "JUNK": WAD}
DEPOSITS = {"USDC": 100_000 * 10**6, "WETH": 20 * 10**18, "WBTC": 10**8}  # 100k + 50k + 60k USD
SECONDS = st.sampled_from([0, 1, 12, 60, 300, 600, 1_800, 3_599, 3_600, 3_601, 43_200, 86_400, 200_000])
TRADED = ("USDC", "WETH", "WBTC")
PAIRS = [(a, b) for a in TRADED for b in TRADED if a != b] * 3 + [("WETH", "WETH"), ("JUNK", "USDC"), ("USDC", "JUNK")]
SIZES = st.tuples(st.sampled_from(["bps"] * 4 + ["over", "dust"]), st.integers(0, 10**6)).map(
    lambda k: {
        "bps": ("bps", k[1] % 5_001),  # up to half the vault's balance of the token
        "over": ("bps", 10_001 + k[1] % 10_000),  # more than it holds
        "dust": ("raw", k[1]),  # often worth zero at reference prices
    }[k[0]]
)
MIN_OUT = st.sampled_from(["zero"] * 3 + ["exact"] * 2 + ["greedy"])  # greedy: one unit more than the venue pays
EXPIRED = st.sampled_from([False] * 7 + [True])


class VaultWorld:
    """The vault, its tokens and venues, deployed once per test; every example starts from this state."""

    def __init__(self):
        d = _deployers()
        env = boa.env
        self.owner, self.agent, self.keeper, self.attacker, self.friend, self.cold = (
            env.generate_address(n) for n in ("owner", "agent", "keeper", "attacker", "friend", "cold")
        )
        with env.prank(self.owner):
            self.tokens = {
                "USDC": d["token"].deploy("USD Coin", "USDC", 6),
                "WETH": d["token"].deploy("Wrapped Ether", "WETH", 18),
                "WBTC": d["token"].deploy("Wrapped BTC", "WBTC", 8),
                "JUNK": d["token"].deploy("Not whitelisted", "JUNK", 18),
            }
            t = self.tokens
            self.vault = d["vault"].deploy(self.agent, t["USDC"], SLIPPAGE_BPS, TURNOVER_BPS, PERIOD, PRICE_AGE)
            self.routers = {
                "honest": d["router"].deploy(),
                "rogue": d["router"].deploy(),
                "unlisted": d["router"].deploy(),
            }
            v = self.vault
            v.allow_token(t["WETH"], True)
            v.allow_token(t["WBTC"], True)
            v.allow_router(self.routers["honest"], True)
            v.allow_router(self.routers["rogue"], True)
            v.set_price_keeper(self.keeper, JUMP_BPS)
            for symbol in ("WETH", "WBTC"):
                v.set_reference_price(t[symbol], HONEST[symbol])
            for symbol, token in t.items():
                for router in self.routers.values():
                    token.mint(router, 10**40)
                    router.set_price(token, HONEST[symbol])
            for symbol, amount in DEPOSITS.items():
                t[symbol].mint(self.owner, amount)
                t[symbol].approve(v, amount)
                v.deposit(t[symbol], amount)
            t["JUNK"].mint(v, 1_000 * 10**18)  # a plain transfer of a token off the whitelist
        self.holders = [v, self.owner, self.agent, self.keeper, self.attacker, self.friend, *self.routers.values()]


class VaultMachine(RuleBasedStateMachine):
    """AgentVault under every role at once; see the module docstring."""

    world: VaultWorld  # set by the test before the run

    def __init__(self):
        super().__init__()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()  # each example starts from the deployed world and leaves it as it found it
        w = self.w = self.world
        self.v = w.vault
        self.start = boa.env.timestamp
        self.honest = dict(HONEST)
        # the model of the vault's state
        self.ref = {"WETH": (HONEST["WETH"], self.start), "WBTC": (HONEST["WBTC"], self.start), "JUNK": (0, 0)}
        self.turnover, self.stamp = 0, self.start
        self.jump = JUMP_BPS
        # what the invariants check: every accepted trade; the last trade, keeper move and forbidden call
        self.trades: list[tuple[int, int, int]] = []  # (time, value in, total value before)
        self.new_trades: list[dict] = []
        self.keeper_moves: list[dict] = []
        self.forbidden: list[dict] = []
        self.traded_since_check = False

    def teardown(self):
        self._anchor.__exit__(None, None, None)

    # ---------- the model ----------

    def _now(self) -> int:
        return boa.env.timestamp

    def _price(self, symbol: str) -> int:
        return WAD if symbol == "USDC" else self.ref[symbol][0]

    def _used(self) -> int:
        elapsed = self._now() - self.stamp
        return 0 if elapsed >= PERIOD else self.turnover * (PERIOD - elapsed) // PERIOD

    def _balance(self, symbol: str, who=None) -> int:
        return self.w.tokens[symbol].balanceOf(who or self.v)

    def _total_value(self) -> int:
        return sum(self._balance(s) * self._price(s) // WAD for s in ("USDC", "WETH", "WBTC"))

    def _vault_balances(self) -> tuple:
        return tuple(t.balanceOf(self.v) for t in self.w.tokens.values())

    def _snapshot(self) -> tuple:
        """Every balance of every party, the vault's allowances and its whole configuration."""
        w, v = self.w, self.v
        tokens = list(w.tokens.values())
        spenders = [*w.routers.values(), w.attacker]
        return (
            tuple(t.balanceOf(h) for t in tokens for h in w.holders),
            tuple(t.allowance(v, r) for t in tokens for r in spenders),
            (v.agent(), v.price_keeper(), v.max_price_jump_bps(), v.turnover_used(), v.turnover_limit()),
            (v.max_slippage_bps(), v.turnover_cap_bps(), v.period(), v.price_max_age()),
            tuple(v.tokens(i) for i in range(v.token_count())),
            tuple((v.price_wad(t), v.price_time(t), v.token_allowed(t)) for t in tokens),
            tuple(v.router_allowed(r) for r in spenders),
        )

    # ---------- rules ----------

    @rule(seconds=SECONDS)
    def time_passes(self, seconds):
        if seconds:
            boa.env.time_travel(seconds=seconds)

    @rule(symbol=st.sampled_from(["WETH", "WBTC"]), move_bps=st.integers(-300, 300))
    def market_moves(self, symbol, move_bps):
        price = max(1, self.honest[symbol] * (BPS + move_bps) // BPS)
        self.honest[symbol] = price
        for router in self.w.routers.values():
            router.set_price(self.w.tokens[symbol], price)

    @rule(
        who=st.sampled_from(["owner", "friend", "attacker", "agent", "keeper"]),
        symbol=st.sampled_from(["USDC", "WETH", "WBTC", "JUNK"]),
        amount=st.one_of(st.just(0), amounts(21)),
        plain=st.booleans(),
    )
    def anyone_deposits(self, who, symbol, amount, plain):
        sender, token = getattr(self.w, who), self.w.tokens[symbol]
        token.mint(sender, amount)
        before = self._balance(symbol)
        with boa.env.prank(sender):
            if plain:
                token.transfer(self.v, amount)
            else:
                token.approve(self.v, amount)
                if amount == 0:
                    with boa.reverts("ZeroAmount"):
                        self.v.deposit(token, amount)
                    return
                self.v.deposit(token, amount)
        assert self._balance(symbol) == before + amount

    @rule(
        symbol=st.sampled_from(["USDC", "WETH", "WBTC", "JUNK"]),
        share_bps=st.integers(0, 12_000),
        to_friend=st.booleans(),
    )
    def owner_withdraws(self, symbol, share_bps, to_friend):
        to = self.w.friend if to_friend else self.w.owner
        held, received = self._balance(symbol), self._balance(symbol, to)
        amount = held * share_bps // BPS
        if amount > held:
            with boa.reverts():
                self.v.withdraw(self.w.tokens[symbol], amount, to, sender=self.w.owner)
            assert self._balance(symbol) == held
            return
        self.v.withdraw(self.w.tokens[symbol], amount, to, sender=self.w.owner)
        assert (self._balance(symbol), self._balance(symbol, to)) == (held - amount, received + amount)

    @rule(
        symbols=st.sampled_from([("WETH", "WBTC")] * 4 + [("WETH",), ("WBTC",), ("JUNK",)]),
        gaps=st.lists(st.integers(-OWNER_GAP_BPS, OWNER_GAP_BPS), min_size=2, max_size=2),
        clear=st.sampled_from([False] * 9 + [True]),
    )
    def owner_sets_prices(self, symbols, gaps, clear):
        """The owner sets reference prices within OWNER_GAP_BPS of the market (now and then clears one)."""
        for symbol, gap_bps in zip(symbols, gaps, strict=False):
            price = 0 if clear else self.honest[symbol] * (BPS + gap_bps) // BPS
            self.v.set_reference_price(self.w.tokens[symbol], price, sender=self.w.owner)
            self.ref[symbol] = (price, self._now())

    @rule(jump_bps=st.sampled_from([0, 1, 100, 500, 2_000, 10_000]))
    def owner_sets_the_keepers_bound(self, jump_bps):
        self.v.set_price_keeper(self.w.keeper, jump_bps, sender=self.w.owner)
        self.jump = jump_bps

    @rule(
        symbol=st.sampled_from(["WETH", "WBTC"] * 3 + ["USDC", "JUNK"]),
        kind=st.sampled_from(["scaled"] * 12 + ["market"] * 4 + ["clear", "same"]),
        scale=st.integers(-20_000, 20_000),  # the move as a multiple of the bound, in 1e-4
    )
    def keeper_moves_a_price(self, symbol, kind, scale):
        """The keeper moves a price by `scale` / 1e4 of its bound now, to the market, to zero or to itself."""
        token, now = self.w.tokens[symbol], self._now()
        if symbol == "USDC":
            with boa.reverts("NumeraireFixed"):
                self.v.set_reference_price(token, WAD, sender=self.w.keeper)
            return
        old, set_at = self.ref[symbol]
        elapsed = min(now - set_at, PRICE_AGE)
        bound = self.jump * old * elapsed // (BPS * PRICE_AGE)
        # within the bound for |scale| <= 1e4 (at it for 1e4), beyond it (by at least one unit) above
        step = bound * abs(scale) // BPS if abs(scale) <= BPS else max(bound * abs(scale) // BPS, bound + 1)
        new = {
            "scaled": max(1, old + step if scale >= 0 else old - step),
            "market": self.honest[symbol],
            "clear": 0,
            "same": old,
        }[kind]
        step = abs(new - old)
        if new != 0 and old == 0:
            reason = "KeeperCannotInitialise"
        elif new != 0 and step * BPS * PRICE_AGE > self.jump * old * elapsed:
            reason = "PriceJump"
        else:
            reason = None
        seen_old, seen_at = self.v.price_wad(token), self.v.price_time(token)
        if reason:
            with boa.reverts(reason):
                self.v.set_reference_price(token, new, sender=self.w.keeper)
        else:
            self.v.set_reference_price(token, new, sender=self.w.keeper)
            self.ref[symbol] = (new, now)
        OUTCOMES["keeper", reason or kind] += 1
        self.keeper_moves.append(
            dict(
                symbol=symbol,
                old=seen_old,
                old_at=seen_at,
                new=self.v.price_wad(token),
                at=self.v.price_time(token),
                now=now,
                jump=self.v.max_price_jump_bps(),
            )
        )

    @rule(
        pair=st.sampled_from(PAIRS),
        size=SIZES,
        haircut=st.integers(0, HONEST_HAIRCUT_BPS),
        v3=st.booleans(),
        min_out=MIN_OUT,
        expired=EXPIRED,
    )
    def agent_swaps_on_the_honest_venue(self, pair, size, haircut, v3, min_out, expired):
        """The agent trades through the whitelisted honest router: the market's price less its fee."""
        self._swap("honest", pair, size, haircut, BPS, v3, min_out, expired)

    @rule(
        pair=st.sampled_from(PAIRS),
        size=SIZES,
        venue=st.sampled_from(["rogue"] * 4 + ["unlisted"]),
        haircut=st.one_of(
            st.integers(0, 3 * SLIPPAGE_BPS),  # around the slippage bound, where a loosened check would show
            st.sampled_from([0, 99, 100, 101, 1_000, BPS]),
            st.integers(0, BPS),
        ),
        pull_bps=st.sampled_from([BPS, BPS, 9_000, 0]),
        v3=st.booleans(),
        min_out=MIN_OUT,
        expired=EXPIRED,
    )
    def agent_swaps_on_a_rogue_venue(self, pair, size, venue, haircut, pull_bps, v3, min_out, expired):
        """The agent (or a stolen agent key) trades through the whitelisted rogue router, which keeps any haircut
        and may pull less than approved, or through a router off the whitelist."""
        self._swap(venue, pair, size, haircut, pull_bps, v3, min_out, expired)

    def _swap(self, venue, pair, size, haircut, pull_bps, v3, min_out, expired):
        w, v, now = self.w, self.v, self._now()
        sym_in, sym_out = pair
        router, t_in, t_out = w.routers[venue], w.tokens[sym_in], w.tokens[sym_out]
        router.set_terms(haircut, pull_bps)
        held, held_out = self._balance(sym_in), self._balance(sym_out)
        amount = held * size[1] // BPS if size[0] == "bps" else size[1]
        deadline = now - 1 if expired else now + 60
        quote = amount * self.honest[sym_in] // self.honest[sym_out] * (BPS - haircut) // BPS  # the venue's terms
        min_amount = {"zero": 0, "exact": quote, "greedy": quote + 1}[min_out]

        # what the vault must answer, in the order it checks
        value_in, total = amount * self._price(sym_in) // WAD, self._total_value()
        fresh = all(
            s == "USDC" or (self.ref[s][0] > 0 and now <= self.ref[s][1] + PRICE_AGE) for s in (sym_in, sym_out)
        )
        if venue == "unlisted":
            reason = "RouterNotAllowed"
        elif "JUNK" in (sym_in, sym_out) or sym_in == sym_out:
            reason = "TokenNotAllowed"
        elif amount == 0:
            reason = "ZeroAmount"
        elif expired:
            reason = "Expired"
        elif amount > held:
            reason = "InsufficientBalance"
        elif not fresh:
            reason = "StalePrice"
        elif (self._used() + value_in) * BPS > TURNOVER_BPS * total:
            reason = "TurnoverCapExceeded"
        elif quote < min_amount:
            reason = "SwapFailed"
        elif quote * self._price(sym_out) // WAD * BPS < value_in * (BPS - SLIPPAGE_BPS):
            reason = "SlippageExceeded"
        else:
            reason = None

        assert v.total_value() == total and v.turnover_used() == self._used()
        before = self._vault_balances()
        self.traded_since_check = True
        swap = v.swap_v3 if v3 else v.swap_v2
        args = (
            (router, t_in, t_out, 3000, amount, min_amount, deadline)
            if v3
            else (router, t_in, t_out, amount, min_amount, deadline)
        )
        if reason:
            with boa.reverts(reason):
                swap(*args, sender=w.agent)
            assert self._vault_balances() == before and v.turnover_used() == self._used(), "a refusal moved something"
            OUTCOMES["vault", reason] += 1
            return
        OUTCOMES["vault", "traded" if venue == "honest" else "traded (rogue)"] += 1
        out = swap(*args, sender=w.agent)
        assert out == quote
        pulled = amount * pull_bps // BPS
        assert (self._balance(sym_in), self._balance(sym_out)) == (held - pulled, held_out + out)
        self.turnover, self.stamp = self._used() + value_in, now
        self.trades.append((now, value_in, total))
        self.new_trades.append(
            dict(
                amount_in=amount,
                amount_out=out,
                pulled=pulled,
                r_in=self._price(sym_in),
                r_out=self._price(sym_out),
                h_in=self.honest[sym_in],
                h_out=self.honest[sym_out],
            )
        )

    @rule(
        who=st.sampled_from(["attacker", "agent", "keeper", "friend"]),
        call=st.integers(0, 9),
        symbol=st.sampled_from(["USDC", "WETH", "WBTC", "JUNK"]),
        venue=st.sampled_from(["honest", "rogue", "unlisted"]),
        amount=amounts(20),
    )
    def others_call_the_owners_functions(self, who, call, symbol, venue, amount):
        """A role calls a function it has no right to: the owner's (anyone but the owner), set_reference_price
        (anyone but the owner and the keeper); with arguments that would work for the owner."""
        w, v = self.w, self.v
        me, token, router = getattr(w, who), w.tokens[symbol], w.routers[venue]
        other = w.tokens["WETH" if symbol != "WETH" else "USDC"]
        calls = [
            ("withdraw", lambda: v.withdraw(token, min(amount, self._balance(symbol)), me, sender=me)),
            ("withdraw_all", lambda: v.withdraw_all(token, me, sender=me)),
            ("set_agent", lambda: v.set_agent(me, sender=me)),
            ("allow_token", lambda: v.allow_token(token, symbol in ("JUNK", "USDC"), sender=me)),
            ("allow_router", lambda: v.allow_router(router, venue == "unlisted", sender=me)),
            ("allow_router", lambda: v.allow_router(me, True, sender=me)),
            ("set_limits", lambda: v.set_limits(BPS, 10**9, 1, 2**63, sender=me)),
            ("set_price_keeper", lambda: v.set_price_keeper(me, BPS, sender=me)),
            ("set_reference_price", lambda: v.set_reference_price(token, amount, sender=me)),
            ("set_reference_price", lambda: v.set_reference_price(other, 0, sender=me)),
        ]
        name, call = calls[call]
        if who == "keeper" and name == "set_reference_price":
            return  # the keeper's (keeper_moves_a_price covers it)
        self._forbidden(who, name, call)

    @rule(
        who=st.sampled_from(["attacker", "owner", "keeper", "friend"]),
        pair=st.sampled_from(PAIRS),
        share_bps=st.sampled_from([1, 100, 1_000]),
        venue=st.sampled_from(["honest", "rogue"]),
        v3=st.booleans(),
    )
    def others_try_to_trade(self, who, pair, share_bps, venue, v3):
        """Anyone but the agent (the owner included) tries a trade the agent could make."""
        w, v = self.w, self.v
        me, t_in, t_out, router = getattr(w, who), w.tokens[pair[0]], w.tokens[pair[1]], w.routers[venue]
        router.set_terms(0, BPS)
        amount = self._balance(pair[0]) * share_bps // BPS
        args = (router, t_in, t_out, 500, amount, 0, FAR) if v3 else (router, t_in, t_out, amount, 0, FAR)
        swap = v.swap_v3 if v3 else v.swap_v2
        with boa.env.anchor():
            try:
                swap(*args, sender=w.agent)
                OUTCOMES["vault", "forbidden trade the agent could make"] += 1
            except boa.BoaError:
                pass
        self._forbidden(who, "swap_v3" if v3 else "swap_v2", lambda: swap(*args, sender=me))

    def _forbidden(self, who, name, call):
        before = self._snapshot()
        try:
            call()
            reverted = False
        except boa.BoaError:
            reverted = True
        self.forbidden.append(dict(who=who, name=name, reverted=reverted, before=before, after=self._snapshot()))

    # ---------- invariants ----------

    @invariant()
    def owner_can_always_withdraw_everything(self):
        """(a) Whatever happened, the owner can take the vault's whole balance of every token out, whitelisted
        or not, priced or not, stale or not (simulated: withdraw_all of each token, then the state is put back)."""
        w, v = self.w, self.v
        with boa.env.anchor():
            for symbol, token in w.tokens.items():
                held = self._balance(symbol)
                assert v.withdraw_all(token, w.cold, sender=w.owner) == held, symbol
                assert token.balanceOf(w.cold) == held, symbol  # the owner's empty cold wallet has it all

    @invariant()
    def no_allowance_outlives_a_trade(self):
        """No router (or anyone) keeps an allowance on the vault's tokens between calls (checked after trades,
        the only calls that approve)."""
        if not self.traded_since_check:
            return
        self.traded_since_check = False
        spenders = [*self.w.routers.values(), self.w.attacker]
        assert all(t.allowance(self.v, r) == 0 for t in self.w.tokens.values() for r in spenders)

    @invariant()
    def each_trade_loses_at_most_the_slippage_and_the_reference_gap(self):
        """(b) Valued at the market's (honest) prices, a trade gives back at least (1 - max_slippage) x rho x
        its value in, where rho = (R_in / H_in) / (R_out / H_out) is the gap between the reference prices R and
        the market's H that the owner's setting (within OWNER_GAP_BPS), the keeper's moves and the market's
        moves left; less one unit of the numeraire at the reference prices (the vault's rounding)."""
        for t in self.new_trades:
            rho = Fraction(t["r_in"], t["h_in"]) / Fraction(t["r_out"], t["h_out"])
            honest_in = Fraction(t["amount_in"] * t["h_in"], WAD)
            honest_out = Fraction(t["amount_out"] * t["h_out"], WAD)
            keep = 1 - Fraction(SLIPPAGE_BPS, BPS)
            assert honest_out >= keep * (rho * honest_in - Fraction(t["h_out"], t["r_out"])), t
        self.new_trades.clear()

    @invariant()
    def turnover_in_any_window_is_bounded(self):
        """(b) The value traded (at reference prices) in any window of L seconds is at most turnover_cap x
        (1 + L / period) x the highest total value the vault had before a trade in the window (plus one unit
        per trade: the decay rounds down)."""
        trades = self.trades
        for i in range(len(trades)):
            traded, top = 0, 0
            for j in range(i, len(trades)):
                traded += trades[j][1]
                top = max(top, trades[j][2])
                length = trades[j][0] - trades[i][0]
                slack = (j - i + 1) * BPS * PERIOD
                assert traded * BPS * PERIOD <= TURNOVER_BPS * top * (PERIOD + length) + slack, (i, j, trades)

    @invariant()
    def others_change_nothing(self):
        """(c) Every call a role has no right to reverts and moves no balance and no setting."""
        for f in self.forbidden:
            assert f["reverted"], f"{f['who']} called {f['name']}"
            assert f["after"] == f["before"], f"{f['who']} called {f['name']} and changed the state"
        self.forbidden.clear()

    @invariant()
    def keeper_moves_within_its_bound(self):
        """(d) A price the keeper sets is zero, or within max_price_jump_bps x min(1, seconds since the last
        setting / price_max_age) of the price it replaces (which must have been set); a refused move leaves
        the price and its time as they were."""
        for m in self.keeper_moves:
            if (m["new"], m["at"]) == (m["old"], m["old_at"]):
                continue  # refused (or a no-op at the same second)
            assert m["at"] == m["now"]
            if m["new"] == 0:
                continue
            assert m["old"] > 0, m
            elapsed = min(m["now"] - m["old_at"], PRICE_AGE)
            assert abs(m["new"] - m["old"]) * BPS * PRICE_AGE <= m["jump"] * m["old"] * elapsed, m
        self.keeper_moves.clear()

    @invariant()
    def the_model_holds(self):
        """Prices, their times, the decayed turnover and the total value are what the model says."""
        v = self.v
        for symbol, (price, at) in self.ref.items():
            token = self.w.tokens[symbol]
            assert (v.price_wad(token), v.price_time(token)) == (price, at), symbol
        assert v.turnover_used() == self._used()
        assert v.total_value() == self._total_value()


def _reached(machine: str) -> set[str]:
    return {outcome for (m, outcome), n in OUTCOMES.items() if m == machine and n}


def test_agent_vault_state_machine():
    OUTCOMES.clear()
    VaultMachine.world = VaultWorld()
    run_state_machine_as_test(VaultMachine, settings=_settings(50, 40))
    # the runs reached what the invariants are about (a machine that only saw refusals would prove nothing)
    assert {"traded", "traded (rogue)", "SlippageExceeded", "TurnoverCapExceeded", "StalePrice"} <= _reached("vault")
    assert "forbidden trade the agent could make" in _reached("vault")
    assert {"scaled", "PriceJump", "KeeperCannotInitialise"} <= _reached("keeper")
    print(sorted(OUTCOMES.items()))


# ======================================================================================================
# DynamicFeePool
# ======================================================================================================

PARAMS = PoolParams()  # fee_min 100, fee_max 10_000, fee_max_step 2_500 pips, the default time constants
MINIMUM_SHARES, RESERVE_LIMIT = 1_000, 2**112
STATE = {  # the pool's getters and the oracle's names for its accumulators
    "var_fast": "vf",
    "var_slow": "vs",
    "flow": "flow",
    "volume": "vol",
    "logp": "logp",
    "logp_twap": "twap",
    "skew": "skew",
    "surge_ts": "surge_ts",
    "epoch": "epoch",
}


class PoolWorld:
    """The pool and its tokens, deployed once per test; every example starts from this (empty) pool."""

    def __init__(self):
        d = _deployers()
        env = boa.env
        names = ("deployer", "controller", "lp_a", "lp_b", "trader", "donor", "stranger")
        for name in names:
            setattr(self, name, env.generate_address(name))
        with env.prank(self.deployer):
            self.t0 = d["token"].deploy("Token zero", "TK0", 18)
            self.t1 = d["token"].deploy("Token one", "TK1", 6)
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
        for who in (self.lp_a, self.lp_b, self.trader, self.donor):
            for token in (self.t0, self.t1):
                token.mint(who, 10**32)
                token.approve(self.pool, 2**256 - 1, sender=who)


class PoolMachine(RuleBasedStateMachine):
    """DynamicFeePool under LPs, a trader, donors, its controller and strangers; see the module docstring."""

    world: PoolWorld  # set by the test before the run

    def __init__(self):
        super().__init__()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        w = self.w = self.world
        self.pool = w.pool
        self.rule = FeeRule(3_000)
        self.oracle = Oracle(0, 0, self.rule, PARAMS, now=self.pool.last_ts())
        self.last_value = (0, 0)  # (k, supply) after the last step
        self.swaps: list[tuple[int, int]] = []  # (k before, k after) of each swap since the last check
        self.round_trips: list[dict] = []

    def teardown(self):
        self._anchor.__exit__(None, None, None)

    def _reserves(self) -> tuple[int, int]:
        return self.pool.reserve0(), self.pool.reserve1()

    # ---------- rules ----------

    @initialize(max0=amounts(27), max1=amounts(15))
    def first_deposit(self, max0, max1):
        """The first deposit sets the price (and may be too small: then a later deposit is the first)."""
        self._add(self.w.lp_a, max0, max1)

    @rule(seconds=st.sampled_from([0, 0, 1, 12, 60, 600, 3_600, 86_400, 30 * 86_400]))
    def time_passes(self, seconds):
        if seconds:
            boa.env.time_travel(seconds=seconds)

    def _add(self, who, max0: int, max1: int) -> tuple[int, int, int] | None:
        """add_liquidity with the maxima `max0`, `max1`, predicted; returns (shares, used0, used1) or None."""
        pool, (r0, r1), supply = self.pool, self._reserves(), self.pool.totalSupply()
        if supply == 0:
            shares, used0, used1 = math.isqrt(max0 * max1), max0, max1
            reason = "ZeroLiquidity" if shares <= MINIMUM_SHARES else None
            shares -= MINIMUM_SHARES
        else:
            shares = min(max0 * supply // r0, max1 * supply // r1)
            used0, used1 = -(-shares * r0 // supply), -(-shares * r1 // supply)
            reason = "ZeroLiquidity" if shares == 0 else None
        if r0 + max0 >= RESERVE_LIMIT or r1 + max1 >= RESERVE_LIMIT:
            reason = "ReserveOverflow"
        if reason:
            with boa.reverts(reason):
                pool.add_liquidity(max0, max1, 0, FAR, sender=who)
            OUTCOMES["pool", f"add: {reason}"] += 1
            return None
        held = (self.w.t0.balanceOf(who), self.w.t1.balanceOf(who), pool.balanceOf(who))
        assert pool.add_liquidity(max0, max1, shares, FAR, sender=who) == shares
        assert used0 <= max0 and used1 <= max1, "pulled more than the maxima"
        after = (self.w.t0.balanceOf(who), self.w.t1.balanceOf(who), pool.balanceOf(who))
        assert after == (held[0] - used0, held[1] - used1, held[2] + shares)
        assert self._reserves() == (r0 + used0, r1 + used1)
        self.oracle.r0, self.oracle.r1 = r0 + used0, r1 + used1
        OUTCOMES["pool", "add" if supply else "first add"] += 1
        return shares, used0, used1

    def _remove(self, who, shares: int) -> tuple[int, int] | None:
        pool, (r0, r1), supply = self.pool, self._reserves(), self.pool.totalSupply()
        if shares == 0:
            with boa.reverts("ZeroAmount"):
                pool.remove_liquidity(shares, 0, 0, FAR, sender=who)
            return None
        out0, out1 = shares * r0 // supply, shares * r1 // supply
        if out0 == 0 or out1 == 0 or shares > pool.balanceOf(who):
            with boa.reverts():
                pool.remove_liquidity(shares, 0, 0, FAR, sender=who)
            OUTCOMES["pool", "remove refused"] += 1
            return None
        assert pool.remove_liquidity(shares, out0, out1, FAR, sender=who) == (out0, out1)
        assert self._reserves() == (r0 - out0, r1 - out1)
        self.oracle.r0, self.oracle.r1 = r0 - out0, r1 - out1
        OUTCOMES["pool", "remove"] += 1
        return out0, out1

    @rule(
        lp=st.sampled_from(["lp_a", "lp_b"]),
        max0=amounts(27),
        max1=amounts(15),
        skew=st.sampled_from([1, 1, 1, 10**-3, 10**3]),
    )
    def lp_adds_liquidity(self, lp, max0, max1, skew):
        """Maxima in any proportion: near the pool's price or far off it (skew)."""
        if skew != 1:
            max1 = max(1, int(max1 * skew))
        self._add(getattr(self.w, lp), max0, max1)

    @rule(lp=st.sampled_from(["lp_a", "lp_b"]), share_bps=st.sampled_from([1, 100, 5_000, 9_999, 10_000, 10_001]))
    def lp_removes_liquidity(self, lp, share_bps):
        who = getattr(self.w, lp)
        self._remove(who, self.pool.balanceOf(who) * share_bps // BPS)

    @rule(lp=st.sampled_from(["lp_a", "lp_b"]), max0=amounts(27), max1=amounts(15))
    def round_trip(self, lp, max0, max1):
        """Deposit, then withdraw the shares it minted, in one block."""
        who = getattr(self.w, lp)
        added = self._add(who, max0, max1)
        if added and added[0] > 0:
            out = self._remove(who, added[0])
            if out:
                self.round_trips.append(dict(used=added[1:], out=out))

    @rule(amount=st.one_of(amounts(27), amounts(6)), greedy=st.sampled_from([False] * 5 + [True]))
    def trader_sells_token0(self, amount, greedy):
        self._swap(True, amount, greedy)

    @rule(amount=st.one_of(amounts(15), amounts(3)), greedy=st.sampled_from([False] * 5 + [True]))
    def trader_sells_token1(self, amount, greedy):
        self._swap(False, amount, greedy)

    def _swap(self, zero_for_one: bool, amount: int, greedy: bool):
        """An exact-input swap, predicted by the oracle (greedy: asking one unit more than it pays)."""
        pool, now, (r0, r1) = self.pool, boa.env.timestamp, self._reserves()
        r_in = r0 if zero_for_one else r1
        fee = self.oracle.fee(not zero_for_one, now)
        after = amount * (10**6 - fee) // 10**6
        out = after * (r1 if zero_for_one else r0) // (r_in + after) if r0 and r1 else 0
        if r0 == 0 or r1 == 0:
            reason = "ZeroLiquidity"
        elif r_in + amount >= RESERVE_LIMIT:
            reason = "ReserveOverflow"
        elif out == 0:
            reason = "ZeroOutput"
        elif greedy:
            reason = "Slippage"
        else:
            reason = None
        if reason:
            with boa.reverts(reason):
                pool.swap(zero_for_one, amount, out + 1, self.w.trader, FAR, sender=self.w.trader)
            assert self._reserves() == (r0, r1)
            OUTCOMES["pool", f"swap: {reason}"] += 1
            return
        assert pool.fee_for(zero_for_one) == fee
        assert pool.swap(zero_for_one, amount, out, self.w.trader, FAR, sender=self.w.trader) == out
        assert self.oracle.swap(zero_for_one, amount, now)[0] == out
        assert self._reserves() == (self.oracle.r0, self.oracle.r1)
        assert {g: getattr(pool, g)() for g in STATE} == {g: getattr(self.oracle, a) for g, a in STATE.items()}
        self.swaps.append((r0 * r1, self.oracle.r0 * self.oracle.r1))
        OUTCOMES["pool", "swap"] += 1

    @rule(new=rules(), clamp=st.booleans())
    def controller_sets_a_rule(self, new, clamp):
        """A random rule (pool_oracle.rules()), as drawn (often out of the pool's bounds) or brought within them."""
        old = self.rule.base
        if clamp:
            lo, hi = max(PARAMS.fee_min, old - PARAMS.fee_max_step), min(PARAMS.fee_max, old + PARAMS.fee_max_step)
            fields = {f: min(getattr(new, f), PARAMS.fee_max) for f in ("skew_cap", "vol_jump", "surge_fee")}
            new = FeeRule(**{**new.__dict__, **fields, "base": max(lo, min(hi, new.base))})
        caps = (new.skew_cap, new.vol_jump, new.surge_fee)
        if not PARAMS.fee_min <= new.base <= PARAMS.fee_max or max(caps) > PARAMS.fee_max:
            reason = "FeeOutOfBounds"
        elif abs(new.base - old) > PARAMS.fee_max_step:
            reason = "FeeStepTooLarge"
        else:
            reason = None
        if reason:
            with boa.reverts(reason):
                self.pool.set_rule(new.pack(), sender=self.w.controller)
            OUTCOMES["pool", f"rule: {reason}"] += 1
            return
        self.pool.set_rule(new.pack(), sender=self.w.controller)
        self.rule = self.oracle.rule = new
        OUTCOMES["pool", "rule"] += 1

    @rule(who=st.sampled_from(["deployer", "lp_a", "trader", "stranger"]), new=rules())
    def others_try_to_set_a_rule(self, who, new):
        with boa.reverts("Unauthorized"):
            self.pool.set_rule(new.pack(), sender=getattr(self.w, who))

    @rule(token=st.sampled_from(["t0", "t1"]), amount=amounts(24))
    def someone_donates(self, token, amount):
        """A plain transfer to the pool: it is not in the reserves (and there is no skim)."""
        getattr(self.w, token).transfer(self.pool, amount, sender=self.w.donor)

    @rule(share_bps=st.integers(0, BPS))
    def lp_transfers_shares(self, share_bps):
        w = self.w
        amount = self.pool.balanceOf(w.lp_a) * share_bps // BPS
        self.pool.transfer(w.lp_b, amount, sender=w.lp_a)

    # ---------- invariants ----------

    @invariant()
    def k_never_falls_on_a_swap(self):
        """reserve0 x reserve1 after a swap is at least what it was before."""
        for before, after in self.swaps:
            assert after >= before, (before, after)
        self.swaps.clear()

    @invariant()
    def share_value_never_falls(self):
        """sqrt(reserve0 x reserve1) / totalSupply never falls, whatever happens (swaps, deposits, withdrawals,
        donations, rule changes, time): compared exactly as k x supply_before^2 >= k_before x supply^2."""
        r0, r1 = self._reserves()
        k, supply = r0 * r1, self.pool.totalSupply()
        k_before, supply_before = self.last_value
        if supply_before:
            assert k * supply_before**2 >= k_before * supply**2, (k_before, supply_before, k, supply)
        self.last_value = (k, supply)

    @invariant()
    def reserves_never_exceed_balances(self):
        """The pool holds at least its reserves of each token (donations make it hold more)."""
        r0, r1 = self._reserves()
        assert self.w.t0.balanceOf(self.pool) >= r0 and self.w.t1.balanceOf(self.pool) >= r1

    @invariant()
    def fees_within_bounds(self):
        """The fee of either direction, now, is within [fee_min, fee_max], and is the oracle's."""
        for zero_for_one in (True, False):
            fee = self.pool.fee_for(zero_for_one)
            assert PARAMS.fee_min <= fee <= PARAMS.fee_max
            assert fee == self.oracle.fee(not zero_for_one, boa.env.timestamp)

    @invariant()
    def a_round_trip_never_gains(self):
        """Depositing and withdrawing the minted shares at once returns at most what was pulled, token by token."""
        for trip in self.round_trips:
            assert trip["out"][0] <= trip["used"][0] and trip["out"][1] <= trip["used"][1], trip
        self.round_trips.clear()

    @invariant()
    def only_the_controller_changes_the_rule(self):
        """The pool's rule is the last one the controller set (strangers' attempts revert)."""
        assert self.pool.rule() == self.rule.pack()

    @invariant()
    def shares_add_up(self):
        """totalSupply is the LPs' shares plus the MINIMUM_SHARES locked at the zero address."""
        pool, w = self.pool, self.w
        held = sum(pool.balanceOf(who) for who in (w.lp_a, w.lp_b, ZERO))
        assert pool.totalSupply() == held and pool.balanceOf(ZERO) in (0, MINIMUM_SHARES)


def test_dynamic_fee_pool_state_machine():
    OUTCOMES.clear()
    PoolMachine.world = PoolWorld()
    run_state_machine_as_test(PoolMachine, settings=_settings(60, 40))
    assert {"first add", "add", "remove", "swap", "rule", "rule: FeeOutOfBounds", "swap: ZeroOutput"} <= _reached(
        "pool"
    )
    print(sorted(OUTCOMES.items()))
