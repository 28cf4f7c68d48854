"""Durations in settings: `90d`, `2h`, `5m`, `60s` (or a bare number of seconds).

Imported by the settings module, so it must not import Django.
"""

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """`90d` -> 90 days; the unit is one of s, m, h, d; a bare number means seconds. Must be > 0."""
    match = _PATTERN.match(str(text))
    if not match:
        raise DurationError(f"{text!r} is not a duration: write a number and a unit, like 90d, 2h, 5m or 60s.")
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise DurationError(f"{text!r} is not a duration longer than zero.")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling: 7776000 s -> `90d`, 90 s -> `90s`."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"
