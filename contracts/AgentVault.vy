# pragma version 0.4.3
"""
@title AgentVault
@notice Holds one user's ERC20 tokens and lets a trading agent swap them through whitelisted Uniswap V2
        and V3 routers, within the owner's guardrails: whitelisted tokens only, a maximum slippage against the
        owner's reference prices, and a turnover budget that refills over a period. The owner can always
        withdraw everything.
@dev Values are in raw units of the numeraire. A reference price is the value, in numeraire raw units, of
     1e18 raw units of the token: value(amount) = amount * price_wad // 1e18. The numeraire's own price is
     1e18 and is never set. Reference prices are set by the owner, or by a price keeper the owner names
     (a key that can be online, e.g. a scheduled job), and go stale after price_max_age seconds; the agent
     cannot trade a token whose price is stale. The keeper cannot set a first price, and moves a price by at
     most max_price_jump_bps per price_max_age (pro rata to the time since the last setting): a stolen
     keeper key walks prices only that fast, and only the agent key can trade. The owner is not bounded.
     The turnover budget is a decaying sum: the value traded so far decays linearly to zero over one period
     from its last update, and a trade must keep it within turnover_cap_bps of the vault's value. In any
     window of L seconds the agent trades at most cap * (1 + L / period); there is no boundary to straddle.
     Why this module is long: a contract is one deployable unit; its guardrails share storage and must sit in
     one place to be audited together.
"""

from ethereum.ercs import IERC20

WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
MAX_TOKENS: constant(uint256) = 16
MASK64: constant(uint256) = 2**64 - 1
MASK192: constant(uint256) = 2**192 - 1

event Deposit:
    token: indexed(address)
    sender: indexed(address)
    amount: uint256

event Withdrawal:
    token: indexed(address)
    receiver: indexed(address)
    amount: uint256

event AgentSet:
    old_agent: indexed(address)
    new_agent: indexed(address)

event TokenAllowed:
    token: indexed(address)
    allowed: bool

event RouterAllowed:
    router: indexed(address)
    allowed: bool

event LimitsSet:
    max_slippage_bps: uint256
    turnover_cap_bps: uint256
    period: uint256
    price_max_age: uint256

event ReferencePriceSet:
    token: indexed(address)
    price_wad: uint256
    timestamp: uint256

event PriceKeeperSet:
    keeper: indexed(address)
    max_price_jump_bps: uint256

event Trade:
    router: indexed(address)
    token_in: indexed(address)
    token_out: indexed(address)
    amount_in: uint256
    amount_out: uint256
    value_in: uint256
    value_out: uint256

owner: public(immutable(address))
numeraire: public(immutable(address))
agent: public(address)
price_keeper: public(address)
max_price_jump_bps: public(uint256)

# Packed state (getters below decode it), so that a trade reads few slots:
# the limits, 64 bits each: max_slippage_bps | turnover_cap_bps << 64 | period << 128 | price_max_age << 192;
# each token's reference price: price_wad | set_at << 192;  the turnover: value | updated_at << 192.
_limits: uint256
_prices: HashMap[address, uint256]
_turnover: uint256

token_allowed: public(HashMap[address, bool])
router_allowed: public(HashMap[address, bool])
tokens: public(DynArray[address, MAX_TOKENS])  # the whitelisted tokens, in no particular order


@deploy
def __init__(
    _agent: address, _numeraire: address, _max_slippage_bps: uint256, _turnover_cap_bps: uint256,
    _period: uint256, _price_max_age: uint256,
):
    """
    @notice The deployer owns the vault. The numeraire is whitelisted from the start.
    """
    assert _numeraire != empty(address), "ZeroAddress"
    owner = msg.sender
    numeraire = _numeraire
    self.agent = _agent
    log AgentSet(old_agent=empty(address), new_agent=_agent)
    self._set_limits(_max_slippage_bps, _turnover_cap_bps, _period, _price_max_age)
    self._allow_token(_numeraire, True)


# ---------- internal ----------

@internal
def _set_limits(max_slippage_bps: uint256, turnover_cap_bps: uint256, period: uint256, price_max_age: uint256):
    assert max_slippage_bps <= BPS and period > 0, "BadLimits"
    assert turnover_cap_bps <= MASK64 and period <= MASK64 and price_max_age <= MASK64, "BadLimits"
    # The turnover used so far is kept (never forgiven) and decays under the new period from now on.
    self._turnover = self._turnover_used() | (block.timestamp << 192)
    self._limits = max_slippage_bps | (turnover_cap_bps << 64) | (period << 128) | (price_max_age << 192)
    log LimitsSet(
        max_slippage_bps=max_slippage_bps, turnover_cap_bps=turnover_cap_bps, period=period,
        price_max_age=price_max_age,
    )


@internal
def _allow_token(token: address, allowed: bool):
    assert token != empty(address), "ZeroAddress"
    if allowed == self.token_allowed[token]:
        return
    if allowed:
        assert len(self.tokens) < MAX_TOKENS, "TooManyTokens"
        self.tokens.append(token)
    else:
        n: uint256 = len(self.tokens)
        for i: uint256 in range(MAX_TOKENS):
            if i == n:
                break
            if self.tokens[i] == token:
                self.tokens[i] = self.tokens[n - 1]
                self.tokens.pop()
                break
    self.token_allowed[token] = allowed
    log TokenAllowed(token=token, allowed=allowed)


@view
@internal
def _stored_price(token: address) -> uint256:
    if token == numeraire:
        return WAD
    return self._prices[token] & MASK192


@view
@internal
def _fresh_price(token: address, max_age: uint256) -> uint256:
    """Reference price of `token`, which must be set and at most `max_age` seconds old."""
    if token == numeraire:
        return WAD
    packed: uint256 = self._prices[token]
    price: uint256 = packed & MASK192
    assert price > 0 and block.timestamp <= (packed >> 192) + max_age, "StalePrice"
    return price


@view
@internal
def _total_value() -> uint256:
    """Value of the vault's whitelisted tokens at the stored reference prices (unset prices count zero)."""
    total: uint256 = 0
    for token: address in self.tokens:
        total += staticcall IERC20(token).balanceOf(self) * self._stored_price(token) // WAD
    return total


@view
@internal
def _turnover_used() -> uint256:
    """The decayed value traded: each update's total falls linearly to zero over one period."""
    period: uint256 = (self._limits >> 128) & MASK64
    packed: uint256 = self._turnover
    elapsed: uint256 = block.timestamp - (packed >> 192)
    if period == 0 or elapsed >= period:
        return 0
    return (packed & MASK192) * (period - elapsed) // period


@internal
def _push(token: address, receiver: address, amount: uint256):
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "TransferFailed"


# ---------- deposits and withdrawals ----------

@external
@nonreentrant
def deposit(token: address, amount: uint256):
    """
    @notice Pulls `amount` of `token` from the caller (who approved the vault). Anyone may deposit; plain
            transfers to the vault work as well, without the event.
    """
    assert amount > 0, "ZeroAmount"
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(msg.sender, self, amount, default_return_value=True), "TransferFailed"
    received: uint256 = staticcall IERC20(token).balanceOf(self) - before
    log Deposit(token=token, sender=msg.sender, amount=received)


@external
@nonreentrant
def withdraw(token: address, amount: uint256, to: address):
    """
    @notice The owner takes `amount` of any token out, whatever the agent, the whitelist or the limits.
    """
    assert msg.sender == owner, "Unauthorized"
    assert to != empty(address), "ZeroAddress"
    self._push(token, to, amount)
    log Withdrawal(token=token, receiver=to, amount=amount)


@external
@nonreentrant
def withdraw_all(token: address, to: address) -> uint256:
    """
    @notice The owner takes the vault's whole balance of any token out. Returns the amount.
    """
    assert msg.sender == owner, "Unauthorized"
    assert to != empty(address), "ZeroAddress"
    amount: uint256 = staticcall IERC20(token).balanceOf(self)
    if amount > 0:
        self._push(token, to, amount)
    log Withdrawal(token=token, receiver=to, amount=amount)
    return amount


# ---------- configuration (owner) ----------

@external
def set_agent(new_agent: address):
    """
    @notice Replaces the agent; the zero address stops all trading.
    """
    assert msg.sender == owner, "Unauthorized"
    log AgentSet(old_agent=self.agent, new_agent=new_agent)
    self.agent = new_agent


@external
def allow_token(token: address, allowed: bool):
    """
    @notice Adds a token to, or removes it from, the whitelist (at most 16 tokens).
    """
    assert msg.sender == owner, "Unauthorized"
    self._allow_token(token, allowed)


@external
def allow_router(router: address, allowed: bool):
    """
    @notice Adds a router to, or removes it from, the whitelist: a Uniswap V2 Router02 (for swap_v2) or a
            Uniswap V3 SwapRouter (for swap_v3), or a compatible one.
    """
    assert msg.sender == owner, "Unauthorized"
    assert router != empty(address), "ZeroAddress"
    self.router_allowed[router] = allowed
    log RouterAllowed(router=router, allowed=allowed)


@external
def set_limits(max_slippage_bps: uint256, turnover_cap_bps: uint256, period: uint256, price_max_age: uint256):
    """
    @notice Sets the guardrails. The turnover used so far is kept and decays under the new period.
    """
    assert msg.sender == owner, "Unauthorized"
    self._set_limits(max_slippage_bps, turnover_cap_bps, period, price_max_age)


@external
def set_price_keeper(keeper: address, max_jump_bps: uint256):
    """
    @notice Names the price keeper (the zero address for none) and the most it may move a price per
            price_max_age, in bps of the previous price.
    """
    assert msg.sender == owner, "Unauthorized"
    assert max_jump_bps <= BPS, "BadLimits"
    self.price_keeper = keeper
    self.max_price_jump_bps = max_jump_bps
    log PriceKeeperSet(keeper=keeper, max_price_jump_bps=max_jump_bps)


@external
def set_reference_price(token: address, price_wad: uint256):
    """
    @notice Sets the reference price of `token`: numeraire raw units per 1e18 raw units of it, as of now.
            Zero clears it (the token then cannot be traded). The numeraire's price is fixed at 1e18.
            The owner sets any price; the price keeper only moves a set price, by at most
            max_price_jump_bps times min(1, seconds since it was set / price_max_age), or clears it.
    """
    assert msg.sender == owner or (msg.sender == self.price_keeper and msg.sender != empty(address)), "Unauthorized"
    assert token != numeraire, "NumeraireFixed"
    assert price_wad <= MASK192, "BadPrice"
    if msg.sender != owner and price_wad != 0:
        packed: uint256 = self._prices[token]
        old: uint256 = packed & MASK192
        assert old > 0, "KeeperCannotInitialise"
        max_age: uint256 = self._limits >> 192
        elapsed: uint256 = min(block.timestamp - (packed >> 192), max_age)
        step: uint256 = max(price_wad, old) - min(price_wad, old)
        # step / old <= max_jump_bps / BPS * elapsed / max_age, cross-multiplied (max_age 0: no bound in time)
        if max_age == 0:
            assert step * BPS <= self.max_price_jump_bps * old, "PriceJump"
        else:
            assert step * BPS * max_age <= self.max_price_jump_bps * old * elapsed, "PriceJump"
    self._prices[token] = price_wad | (block.timestamp << 192)
    log ReferencePriceSet(token=token, price_wad=price_wad, timestamp=block.timestamp)


# ---------- trading (agent) ----------

@internal
def _open_trade(router: address, token_in: address, token_out: address, amount_in: uint256, deadline: uint256) -> (
    uint256, uint256, uint256
):
    """
    @dev The checks before any swap, whatever the venue: the caller is the agent, the router and both tokens
         are whitelisted, the balance suffices, both reference prices are fresh and the turnover cap holds
         (the trade's value is counted here). Approves exactly amount_in to the router. Returns (value_in,
         price_out, the vault's balance of token_out before the swap).
    """
    assert msg.sender == self.agent, "NotAgent"
    assert self.router_allowed[router], "RouterNotAllowed"
    assert self.token_allowed[token_in] and self.token_allowed[token_out] and token_in != token_out, "TokenNotAllowed"
    assert amount_in > 0, "ZeroAmount"
    assert block.timestamp <= deadline, "Expired"
    assert staticcall IERC20(token_in).balanceOf(self) >= amount_in, "InsufficientBalance"
    limits: uint256 = self._limits
    price_in: uint256 = self._fresh_price(token_in, limits >> 192)
    price_out: uint256 = self._fresh_price(token_out, limits >> 192)
    value_in: uint256 = amount_in * price_in // WAD

    # Turnover budget, against the vault's value before the trade.
    used: uint256 = self._turnover_used() + value_in
    assert used <= MASK192 and used * BPS <= ((limits >> 64) & MASK64) * self._total_value(), "TurnoverCapExceeded"
    self._turnover = used | (block.timestamp << 192)

    # The router may take exactly amount_in of token_in and nothing else.
    assert extcall IERC20(token_in).approve(router, amount_in, default_return_value=True), "ApproveFailed"
    return value_in, price_out, staticcall IERC20(token_out).balanceOf(self)


@internal
def _close_trade(
    router: address, token_in: address, token_out: address, amount_in: uint256, swapped: bool, value_in: uint256,
    price_out: uint256, before: uint256,
) -> uint256:
    """
    @dev After the router call: a failed call reverts the whole trade (which also undoes the approval and the
         turnover just counted); a leftover allowance is cleared; the value received must be within
         max_slippage_bps of the value given. Logs the Trade and returns the amount received.
    """
    if not swapped:
        raise "SwapFailed"
    if staticcall IERC20(token_in).allowance(self, router) != 0:
        assert extcall IERC20(token_in).approve(router, 0, default_return_value=True), "ApproveFailed"
    amount_out: uint256 = staticcall IERC20(token_out).balanceOf(self) - before

    value_out: uint256 = amount_out * price_out // WAD
    assert value_out * BPS >= value_in * (BPS - (self._limits & MASK64)), "SlippageExceeded"
    log Trade(
        router=router, token_in=token_in, token_out=token_out, amount_in=amount_in, amount_out=amount_out,
        value_in=value_in, value_out=value_out,
    )
    return amount_out


@external
@nonreentrant
def swap_v2(
    router: address, token_in: address, token_out: address, amount_in: uint256, min_out: uint256,
    deadline: uint256,
) -> uint256:
    """
    @notice The agent swaps `amount_in` of `token_in` for `token_out` through a whitelisted Uniswap V2
            Router02 (swapExactTokensForTokens on the direct pair), proceeds to the vault. Refused unless
            the value received at reference prices is within max_slippage_bps of the value given, and the
            decaying turnover stays within the cap. Returns the amount received.
    """
    value_in: uint256 = 0
    price_out: uint256 = 0
    before: uint256 = 0
    value_in, price_out, before = self._open_trade(router, token_in, token_out, amount_in, deadline)
    path: DynArray[address, 2] = [token_in, token_out]
    ok: bool = raw_call(
        router,
        abi_encode(
            amount_in, min_out, path, self, deadline,
            method_id=method_id("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"),
        ),
        max_outsize=0,
        revert_on_failure=False,
    )
    return self._close_trade(router, token_in, token_out, amount_in, ok, value_in, price_out, before)


@external
@nonreentrant
def swap_v3(
    router: address, token_in: address, token_out: address, fee: uint24, amount_in: uint256, min_out: uint256,
    deadline: uint256,
) -> uint256:
    """
    @notice The agent swaps `amount_in` of `token_in` for `token_out` through a whitelisted Uniswap V3
            SwapRouter (exactInputSingle on the pool of the two tokens at `fee`, no price limit), proceeds
            to the vault. The same guardrails as swap_v2: refused unless the value received at reference
            prices is within max_slippage_bps of the value given, and the decaying turnover stays within
            the cap. Returns the amount received.
    """
    value_in: uint256 = 0
    price_out: uint256 = 0
    before: uint256 = 0
    value_in, price_out, before = self._open_trade(router, token_in, token_out, amount_in, deadline)
    # ExactInputSingleParams is a static struct: its encoding is that of its fields in order.
    ok: bool = raw_call(
        router,
        abi_encode(
            token_in, token_out, fee, self, deadline, amount_in, min_out, empty(uint160),
            method_id=method_id(
                "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
            ),
        ),
        max_outsize=0,
        revert_on_failure=False,
    )
    return self._close_trade(router, token_in, token_out, amount_in, ok, value_in, price_out, before)


# ---------- views ----------

@view
@external
def max_slippage_bps() -> uint256:
    """
    @notice A trade's value out must be at least its value in times (1 - this / 1e4), at reference prices.
    """
    return self._limits & MASK64


@view
@external
def turnover_cap_bps() -> uint256:
    """
    @notice The decaying turnover may be at most the total value times this / 1e4 (may exceed 1e4).
    """
    return (self._limits >> 64) & MASK64


@view
@external
def period() -> uint256:
    """
    @notice Seconds over which traded value decays to zero (the turnover budget refills).
    """
    return (self._limits >> 128) & MASK64


@view
@external
def price_max_age() -> uint256:
    """
    @notice Seconds a reference price stays usable for trading.
    """
    return self._limits >> 192


@view
@external
def price_wad(token: address) -> uint256:
    """
    @notice Reference price of `token`: numeraire raw units per 1e18 raw units (1e18 for the numeraire).
    """
    return self._stored_price(token)


@view
@external
def price_time(token: address) -> uint256:
    """
    @notice When the reference price of `token` was set (zero if never).
    """
    return self._prices[token] >> 192


@view
@external
def total_value() -> uint256:
    """
    @notice Value of the vault's whitelisted tokens at the stored reference prices, in numeraire raw units
            (tokens without a price count zero; staleness is not checked here).
    """
    return self._total_value()


@view
@external
def turnover_used() -> uint256:
    """
    @notice Value traded, decayed linearly over one period since its last update, in numeraire raw units.
    """
    return self._turnover_used()


@view
@external
def turnover_limit() -> uint256:
    """
    @notice The most decayed turnover allowed at the current total value; a trade may add the difference.
    """
    return ((self._limits >> 64) & MASK64) * self._total_value() // BPS


@view
@external
def token_count() -> uint256:
    """
    @notice Number of whitelisted tokens; tokens(i) lists them.
    """
    return len(self.tokens)


@view
@external
def value_of(token: address, amount: uint256) -> uint256:
    """
    @notice Value of `amount` of `token` at its stored reference price, in numeraire raw units.
    """
    return amount * self._stored_price(token) // WAD
