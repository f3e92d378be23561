"""Chain plumbing: the offline toolchain (npm anvil and solc, pip vyper), local anvil nodes, the Ape
connection and accounts, the mainnet snapshot at canonical addresses, contract deployments and their records,
and RPC retries. Imports no other agents package; `backtests.report` for atomic writes.
"""
