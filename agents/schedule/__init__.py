"""Scheduled runs: rebalancing and fee updates on a schedule that survives crashes.

APScheduler 3 keeps the jobs in a SQLAlchemy job store (SQLite at ~/.lamm/schedule.db by default, any SQLAlchemy
URL with --db or LAMM_SCHEDULE_DB); every run is a row of the run ledger in the same database. A run records
its intent (planned trades, the sender and its nonce) before anything is sent and each transaction's hash
before it is broadcast; a daemon that starts reconciles the runs a crash left in flight against the chain and
never runs them again.

RPC URLs carry API keys: only the job store keeps them whole (the job needs them); the ledger stores them
redacted, and every text a run records or logs is redacted of them (`agents.chain.secrets`). A SQLite database
file is private to its owner (0600).

Modules, one job each: `database` (URL, engine, a private SQLite file), `lock` (one daemon per database),
`ledger` (the run table), `triggers` (--every / --cron), `jobstore` (add, list, pause, resume, remove),
`runtime` (the run in flight, redaction, test-only crash points), `send_guard` (records transactions before
they leave), `jobs` (rebalance, fee-update), `seesaw` (a demo strategy that trades every run), `reconcile`
(in-flight runs vs the chain), `daemon` (the scheduler loop), `report` (ledger tables). Imports `agents.chain`,
`agents.zk`, `agents.fee` and `agents.portfolio`.
"""
