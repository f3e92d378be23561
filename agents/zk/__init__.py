"""Zero-knowledge proofs of the fee policy (EZKL): circuit artifacts, proofs, the fee grid, the verifier."""
