"""The live fee agent: reads a governed pool's features, runs the policy, proves and proposes its output.
Imports `agents.chain` and `agents.zk`."""
