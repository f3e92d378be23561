"""Training: everything that trains, tunes, exports and writes model artifacts.

`fee` (PPO/SAC on DynamicFeeEnv), `policy_search` (counterfactual policy search, cps), `portfolio` (PPO on
PortfolioEnv at the costs it executes at; `portfolio_bar` its quality bar, `portfolio_walk_forward` its folds,
`portfolio_run` the whole `lamm train portfolio` run), `config` (TOML settings over defaults), `jobs` (one
training job, seeds), `walk_forward`, `tuning` (Optuna), `backends` (local processes or Ray), `export` (the
deterministic policy as torch and ONNX), `artifact` (model folders and cards). Imports envs, strategies and
backtests; nothing else of agents.
"""
