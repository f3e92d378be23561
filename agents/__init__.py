"""Everything that acts: training, the chain toolchain, proofs, the live agents, their schedules, federated rounds.

Capability packages, one job each; the layer below is `backtests`, `strategies` and `envs`, never `lamm`:

| package | owns | may import (within agents) |
|---|---|---|
| `training` | fee and portfolio training (PPO, SAC, cps), tuning, walk-forward, ONNX export, model cards | nothing |
| `chain` | the offline toolchain, anvil, Ape, the mainnet snapshot, deployments (pool, v4 hook), v4 swaps | nothing |
| `zk` | circuits, proofs, the fee grid, verifier contracts, model registration | `chain`, `training` |
| `fee` | the verified fee agent | `chain`, `zk` |
| `portfolio` | the AgentVault and the portfolio executor (state, planning, routing, sending, reports) | `chain` |
| `schedule` | scheduled runs: job store, ledger, reconciliation, daemon | `chain`, `zk`, `fee`, `portfolio` |
| `fl` | federated rounds: robust integer rules, attacks, rewards, the update store | `chain`, `training` |

tests/test_layers.py checks these rules and that no imports form a cycle.
"""
