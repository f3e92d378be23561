"""The `lamm` command line (`lamm/cli.py` assembles `lamm/commands/`, one module per command group) and the
demo (`lamm/demo/`). The top layer: it parses arguments and calls into agents, backtests, strategies, envs."""
