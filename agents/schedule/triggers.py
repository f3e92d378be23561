"""Triggers from the command line: `--every 30s|5m|1h|1d|1h30m` (interval) or `--cron "0 * * * *"` (crontab)."""

from __future__ import annotations

import re

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_every(text: str) -> float:
    """Seconds in a duration such as 30s, 5m, 1h, 1d or 1h30m (a bare number is seconds)."""
    spec = text.strip().lower()
    try:
        seconds = float(spec)
    except ValueError:
        parts = _PART.findall(spec)
        seconds = sum(float(n) * UNITS[u] for n, u in parts) if "".join(n + u for n, u in parts) == spec else -1.0
    if not seconds > 0:
        raise ValueError(f"--every {text!r}: not a positive duration; write e.g. 30s, 5m, 1h, 1d or 1h30m")
    return seconds


def make_trigger(every: str | None, cron: str | None):
    """(APScheduler trigger, description) for exactly one of --every and --cron; times are UTC."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if (every is None) == (cron is None):
        raise ValueError('give exactly one of --every DURATION (e.g. 1h) or --cron "MIN HOUR DAY MONTH WEEKDAY"')
    if every is not None:
        seconds = parse_every(every)
        return IntervalTrigger(seconds=seconds, timezone="UTC"), f"every {_duration(seconds)}"
    try:
        trigger = CronTrigger.from_crontab(cron, timezone="UTC")
    except (ValueError, TypeError) as e:
        raise ValueError(
            f'--cron "{cron}": not a valid cron expression ({e}); write five fields, minute hour day month '
            'weekday, e.g. "0 * * * *" (hourly) or "*/15 * * * *"'
        ) from None
    return trigger, f"cron {cron.strip()} (UTC)"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
