"""The live portfolio agent and its vault.

`vault` deploys and funds an AgentVault and sets its reference prices; `state` reads the vault; `routing`
quotes each venue and picks one; `planning` turns target weights into trades and pre-checks them; `sending`
sends them through the vault; `report` says what happened; `executor` runs one step of all that. Imports
`agents.chain`; the strategy is passed in.
"""
