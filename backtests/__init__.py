"""Backtests: the fee, passive and portfolio engines, their metrics, and reports (tables, JSON, HTML).
Imports envs and strategies."""
