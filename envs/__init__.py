"""Market data, the exact AMM simulator, on-chain features, and the Gymnasium environments: the bottom layer,
importing no other package of the project."""

import gymnasium

if "lamm/DynamicFee-v0" not in gymnasium.registry:
    gymnasium.register(
        id="lamm/DynamicFee-v0",
        entry_point="envs.fee_env:DynamicFeeEnv",
        vector_entry_point="envs.fee_vec_env:DynamicFeeVecEnv",
    )
if "lamm/Portfolio-v0" not in gymnasium.registry:
    gymnasium.register(id="lamm/Portfolio-v0", entry_point="envs.portfolio_env:PortfolioEnv")
