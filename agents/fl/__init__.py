"""Decentralized training of the fee policy: federated rounds, robust integer aggregation, attacks, rewards,
and the on-chain rounds of contracts/TrainingRounds.vy."""
