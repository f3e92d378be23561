"""Swaps in Uniswap v4 pools through the Universal Router (V4_SWAP: exact-input single swap, settle all, take
all), as a wallet sends them; a token input is approved to the router through Permit2 first."""

from __future__ import annotations

from eth_abi import encode

from agents.chain.snapshot_v4 import NATIVE, PERMIT2, UNIVERSAL_ROUTER_V2

V4_SWAP = 0x10  # Universal Router command
SWAP_EXACT_IN_SINGLE, SETTLE_ALL, TAKE_ALL = 0x06, 0x0C, 0x0F  # v4-periphery actions
EXECUTE = bytes.fromhex("3593564c")  # execute(bytes,bytes[],uint256)
EXACT_IN_SINGLE = "((address,address,uint24,int24,address),bool,uint128,uint128,bytes)"
ERC20_APPROVE_ABI = [
    {
        "name": "approve",
        "type": "function",
        "stateMutability": "nonpayable",
        "outputs": [{"name": "", "type": "bool"}],
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
    }
]
PERMIT2_APPROVE_ABI = [
    {
        "name": "approve",
        "type": "function",
        "stateMutability": "nonpayable",
        "outputs": [],
        "inputs": [
            {"name": "token", "type": "address"},
            {"name": "spender", "type": "address"},
            {"name": "amount", "type": "uint160"},
            {"name": "expiration", "type": "uint48"},
        ],
    }
]


def exact_in_calldata(key: tuple, zero_for_one: bool, amount: int, min_out: int, deadline: int) -> bytes:
    """Universal Router calldata swapping exactly `amount` in pool `key` for at least `min_out`."""
    currency_in, currency_out = (key[0], key[1]) if zero_for_one else (key[1], key[0])
    params = [
        encode([EXACT_IN_SINGLE], [(tuple(key), zero_for_one, amount, min_out, b"")]),
        encode(["address", "uint256"], [currency_in, amount]),
        encode(["address", "uint256"], [currency_out, min_out]),
    ]
    inputs = [encode(["bytes", "bytes[]"], [bytes([SWAP_EXACT_IN_SINGLE, SETTLE_ALL, TAKE_ALL]), params])]
    return EXECUTE + encode(["bytes", "bytes[]", "uint256"], [bytes([V4_SWAP]), inputs, deadline])


def swap_exact_in(ape, key: tuple, zero_for_one: bool, amount: int, sender, min_out: int = 0, deadline: int = 2**40):
    """Sends the swap from `sender` (approving a token input through Permit2 first); returns the receipt."""
    currency_in = key[0] if zero_for_one else key[1]
    if currency_in != NATIVE:
        ape.Contract(currency_in, abi=ERC20_APPROVE_ABI).approve(PERMIT2, amount, sender=sender)
        permit2 = ape.Contract(PERMIT2, abi=PERMIT2_APPROVE_ABI)
        permit2.approve(currency_in, UNIVERSAL_ROUTER_V2, amount, deadline, sender=sender)
    value = amount if currency_in == NATIVE else 0
    return sender.transfer(
        UNIVERSAL_ROUTER_V2, value, data=exact_in_calldata(key, zero_for_one, amount, min_out, deadline)
    )
