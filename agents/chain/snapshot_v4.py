"""Uniswap v4 on the mainnet snapshot: PoolManager, Permit2, PositionManager, V4Quoter, StateView and the
Universal Router at their mainnet addresses, and a seeded ETH/USDC pool.

The contracts are the npm packages' Foundry builds (@uniswap/v4-core 1.0.2, @uniswap/v4-periphery 1.0.3,
@uniswap/universal-router 2.0.0: solc 0.8.26, via IR, Cancun), deployed and moved to their addresses as the
V2/V3 ones are (agents/chain/snapshot.py `place`). What holds the deployment address is rewritten: the
PoolManager's no-delegatecall guard (an immutable copy of its address) and the PositionManager's cached EIP-712
domain separator (a hash over its address); storage written by the constructors (owners, the NFT's name,
symbol and next id) is copied and checked. Permit2 is the runtime code permit2 ships for tests at its address.
The ETH/USDC pool (no hook, 0.05%, full range at 2,500 USDC) is seeded through v4-core's liquidity test router,
deployed beside it, leaving the builder's account (the first test account) as it was; the test swap router is
there too, for tests.
"""

from __future__ import annotations

import math

from agents.chain.npm_artifacts import (
    PERMIT2_RUNTIME_SOURCE,
    UNISWAP_V2_CORE,
    UNISWAP_V3_CORE,
    UNISWAP_V4_CORE,
    UNISWAP_V4_PERIPHERY,
    UNIVERSAL_ROUTER,
)

POOL_MANAGER = "0x000000000004444c5dc75cB358380D2e3dE08A90"
POSITION_MANAGER = "0xbD216513d74C8cf14cf4747E6AaA6420FF64ee9e"
POSITION_DESCRIPTOR = "0xd1428Ba554F4C8450b763a0B2040A4935c63f06C"  # not placed: only tokenURI() reads it
V4_QUOTER = "0x52F0E24D1c21C8A0cB1e5a5dD6198556BD9E1203"
STATE_VIEW = "0x7fFE42C4a5DEeA5b0feC41C94C136Cf115597227"
UNIVERSAL_ROUTER_V2 = "0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af"
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
V3_NFT_POSITION_MANAGER = "0xC36442b4a4522E871399CD717aBDD847Ab11FE88"  # not placed: v3 -> v4 migration only
NATIVE = "0x" + "0" * 40  # v4's currency for ETH
DEAD = "0x000000000000000000000000000000000000dEaD"
UNSUBSCRIBE_GAS_LIMIT = 300_000  # the mainnet PositionManager's
# (currency0, currency1, fee in pips, tick spacing, human price of currency0 in currency1, liquidity L)
V4_POOLS = (("ETH", "USDC", 500, 10, 2_500, 2 * 10**16),)
POSITIONS_NAME = "Uniswap v4 Positions NFT"


def domain_separator(name: str, chain_id: int, contract: str) -> bytes:
    """EIP-712 domain separator over (name, chainId, verifyingContract), as solmate's EIP712 and Permit2 build it."""
    from eth_abi import encode
    from web3 import Web3

    typehash = Web3.keccak(text="EIP712Domain(string name,uint256 chainId,address verifyingContract)")
    fields = [typehash, Web3.keccak(text=name), chain_id, contract]
    return Web3.keccak(encode(["bytes32", "bytes32", "uint256", "address"], fields))


def permit2_runtime() -> str:
    """Permit2's runtime code as permit2 ships it (test/utils/DeployPermit2.sol)."""
    text = PERMIT2_RUNTIME_SOURCE.read_text()
    return "0x" + text.split('hex"', 1)[1].split('"', 1)[0]


def place_v4(
    w3, node_url: str, place, deploy, send, tokens: dict, token_decimals: dict, me: str, npm, rpc, factories
) -> dict:
    """Places v4 on the chain `w3` serves (see the module's docstring); `factories`: the V2 and V3 factories the
    Universal Router routes through. Returns its address-book entries."""
    pm = place(POOL_MANAGER, *npm(UNISWAP_V4_CORE / "PoolManager.sol" / "PoolManager.json"), me, copy_slots=[0])
    if pm.functions.owner().call() != me:
        raise RuntimeError("v4 PoolManager placed without its owner")
    rpc(node_url, "anvil_setCode", [PERMIT2, permit2_runtime()])
    weth = tokens["WETH"].address
    chain_id = w3.eth.chain_id

    def positions_separator(temp: str) -> dict[str, str]:
        old = domain_separator(POSITIONS_NAME, chain_id, temp).hex()
        return {old.removeprefix("0x"): domain_separator(POSITIONS_NAME, chain_id, POSITION_MANAGER).hex()}

    posm = place(
        POSITION_MANAGER,
        *npm(UNISWAP_V4_PERIPHERY / "PositionManager.sol" / "PositionManager.json"),
        POOL_MANAGER,
        PERMIT2,
        UNSUBSCRIBE_GAS_LIMIT,
        POSITION_DESCRIPTOR,
        weth,
        copy_slots=[0, 1, 8],
        rewrite=positions_separator,
    )
    want = domain_separator(POSITIONS_NAME, chain_id, POSITION_MANAGER)
    if (posm.functions.name().call(), posm.functions.nextTokenId().call()) != (POSITIONS_NAME, 1) or bytes(
        posm.functions.DOMAIN_SEPARATOR().call()
    ) != bytes(want):
        raise RuntimeError("v4 PositionManager placed with the wrong name, next id or domain separator")
    place(V4_QUOTER, *npm(UNISWAP_V4_PERIPHERY / "V4Quoter.sol" / "V4Quoter.json"), POOL_MANAGER)
    place(STATE_VIEW, *npm(UNISWAP_V4_PERIPHERY / "StateView.sol" / "StateView.json"), POOL_MANAGER)

    def init_code_hash(path) -> bytes:
        from web3 import Web3

        return Web3.keccak(hexstr=npm(path)[1])

    params = (
        PERMIT2,
        weth,
        *factories,
        init_code_hash(UNISWAP_V2_CORE / "UniswapV2Pair.json"),
        init_code_hash(UNISWAP_V3_CORE / "UniswapV3Pool.sol" / "UniswapV3Pool.json"),
        POOL_MANAGER,
        V3_NFT_POSITION_MANAGER,
        POSITION_MANAGER,
    )
    place(UNIVERSAL_ROUTER_V2, *npm(UNIVERSAL_ROUTER / "UniversalRouter.sol" / "UniversalRouter.json"), params)
    seeder_abi, seeder_code = npm(UNISWAP_V4_CORE / "PoolModifyLiquidityTest.sol" / "PoolModifyLiquidityTest.json")
    liquidity_router = deploy(seeder_abi, seeder_code, POOL_MANAGER)
    swap_router = deploy(*npm(UNISWAP_V4_CORE / "PoolSwapTest.sol" / "PoolSwapTest.json"), POOL_MANAGER)
    seeder = w3.eth.contract(address=liquidity_router, abi=seeder_abi)
    modify = seeder.get_function_by_signature(
        "modifyLiquidity((address,address,uint24,int24,address),(int24,int24,int256,bytes32),bytes)"
    )
    pools = {}
    for a, b, fee, spacing, price, liquidity in V4_POOLS:
        c0 = NATIVE if a == "ETH" else tokens[a].address
        c1 = tokens[b].address
        d0, d1 = 18 if a == "ETH" else token_decimals[a], token_decimals[b]
        key = (c0, c1, fee, spacing, NATIVE)
        sqrt_price = math.sqrt(price * 10**d1 / 10**d0)  # raw units
        send(pm.functions.initialize(key, int(sqrt_price * 2**96)))
        top = 887272 // spacing * spacing
        amount0, amount1 = int(liquidity / sqrt_price * 1.01) + 1, int(liquidity * sqrt_price * 1.01) + 1
        token = tokens[b]
        held, eth = token.functions.balanceOf(me).call(), w3.eth.get_balance(me)
        send(token.functions.mint(me, amount1))
        send(token.functions.approve(liquidity_router, amount1))
        send(modify(key, (-top, top, liquidity, b"\0" * 32), b""), value=amount0)
        # the builder's account (the first test account) is left as it was: no extra tokens, allowance or spent ETH
        send(token.functions.transfer(DEAD, token.functions.balanceOf(me).call() - held))
        send(token.functions.approve(liquidity_router, 0))
        rpc(node_url, "anvil_setBalance", [me, hex(eth)])
        pools[f"{a}/{b}/{fee}"] = {"key": list(key), "id": "0x" + pool_id(key).hex().removeprefix("0x")}
    return {
        "uniswap_v4_pool_manager": POOL_MANAGER,
        "uniswap_v4_position_manager": POSITION_MANAGER,
        "uniswap_v4_quoter": V4_QUOTER,
        "uniswap_v4_state_view": STATE_VIEW,
        "universal_router": UNIVERSAL_ROUTER_V2,
        "permit2": PERMIT2,
        "uniswap_v4_pools": pools,
        "uniswap_v4_test_routers": {"swap": swap_router, "modify_liquidity": liquidity_router},
    }


def pool_id(key: tuple) -> bytes:
    """v4's PoolId: keccak256 of the ABI-encoded PoolKey."""
    from eth_abi import encode
    from web3 import Web3

    return Web3.keccak(encode(["address", "address", "uint24", "int24", "address"], list(key)))
