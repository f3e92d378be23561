"""Rewards funded from the value the model creates: the governed pool's protocol fee into TrainingRounds.

With its protocol fee switch on (FeeController.set_protocol_fee), a DynamicFeePool mints its recipient LP
shares worth a share of the LP fee growth at each liquidity event. The LP share is an ERC20, so a
TrainingRounds whose token is that pool's LP share takes them as rewards: the recipient (a treasury account or
a keeper) funds it with what it was minted. Works on Ape contract objects (or anything with their calls).
"""

from __future__ import annotations


def protocol_setting(pool) -> tuple[str, int]:
    """The pool's protocol fee switch: (recipient, share in bps); share 0: off."""
    return pool.protocol_recipient(), int(pool.protocol_share())


def fund_from_pool(pool, rounds, recipient) -> int:
    """Sends `recipient`'s whole LP balance of `pool` into `rounds`' reward pool (TrainingRounds.fund; the
    rounds' token must be the pool's LP share); returns the amount (0: nothing to send, no transaction)."""
    if rounds.token() != pool.address:
        raise ValueError(f"TrainingRounds {rounds.address} pays in {rounds.token()}, not the LP share {pool.address}")
    amount = int(pool.balanceOf(recipient))
    if amount == 0:
        return 0
    pool.approve(rounds, amount, sender=recipient)
    rounds.fund(amount, sender=recipient)
    return amount
