"""Zero-knowledge proofs of the fee policy (EZKL): circuit artifacts, proofs, the fee grid, the verifier,
and model registration at a FeeController. Imports `agents.chain` and `agents.training` (the policy export)."""
