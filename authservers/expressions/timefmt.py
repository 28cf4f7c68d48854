"""`Time.now([timeZone[, format]])`: the evaluation's `now` as ISO 8601 text, or in a Joda-style format.

Okta: `Time.now()` gives "2015-07-31T17:18:37.979Z"; with a zone, the local time and its offset
("2015-07-31T13:30:49.964-04:00"); with a format, Joda's DateTimeFormat patterns
("YYYY-MM-dd HH:mm:ss"). Zones are IANA names (`America/New_York`), `UTC`, or offsets like
`+05:30`. Only the common pattern letters are supported (see FORMAT_LETTERS).
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .coercion import literal_value, text_arg
from .errors import ExpressionEvaluationError, ExpressionSyntaxError

_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-9]{2})")
_MAX_FORMAT_LENGTH = 100
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FORMAT_LETTERS = "yYMdHhmsSaZEu"


def _zone(name: str):
    if name in ("UTC", "Z", "GMT"):
        return UTC
    match = _OFFSET.fullmatch(name)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta > timedelta(hours=18):
            raise ValueError(name)
        return timezone(-delta if sign == "-" else delta)
    if len(name) > 64 or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", name):
        raise ValueError(name)
    return ZoneInfo(name)


def zone_problem(name) -> str | None:
    try:
        _zone(name)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        return f"Unknown time zone '{str(name)[:64]}'"
    return None


def _pattern_tokens(pattern: str):
    """Split a Joda pattern into ("field", letter, count) and ("text", value) pieces."""
    if len(pattern) > _MAX_FORMAT_LENGTH:
        raise ValueError(f"the format is longer than {_MAX_FORMAT_LENGTH} characters")
    pieces, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            if pattern.startswith("''", i):  # Joda: '' is a literal quote, inside quotes or out
                pieces.append(("text", "'"))
                i += 2
                continue
            text, j = [], i + 1
            while True:
                end = pattern.find("'", j)
                if end < 0:
                    raise ValueError("unterminated quoted text in the format")
                text.append(pattern[j:end])
                if not pattern.startswith("''", end):
                    break
                text.append("'")
                j = end + 2
            pieces.append(("text", "".join(text)))
            i = end + 1
        elif c.isascii() and c.isalpha():
            if c not in FORMAT_LETTERS:
                raise ValueError(f"unsupported format letter '{c}'")
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            pieces.append(("field", c, j - i))
            i = j
        else:
            pieces.append(("text", c))
            i += 1
    return pieces


def _offset_text(moment: datetime, colon: bool) -> str:
    seconds = int(moment.utcoffset().total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _field(moment: datetime, letter: str, count: int) -> str:
    if letter in "yYu":
        return f"{moment.year % 100:02d}" if count == 2 else str(moment.year).zfill(count)
    if letter == "M":
        if count >= 4:
            return _MONTHS[moment.month - 1]
        if count == 3:
            return _MONTHS[moment.month - 1][:3]
        return str(moment.month).zfill(count)
    if letter == "d":
        return str(moment.day).zfill(count)
    if letter == "H":
        return str(moment.hour).zfill(count)
    if letter == "h":
        return str(moment.hour % 12 or 12).zfill(count)
    if letter == "m":
        return str(moment.minute).zfill(count)
    if letter == "s":
        return str(moment.second).zfill(count)
    if letter == "S":
        return f"{moment.microsecond:06d}"[:count].ljust(count, "0")
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "E":
        name = _DAYS[moment.weekday()]
        return name if count >= 4 else name[:3]
    if letter == "Z":
        return _offset_text(moment, colon=count >= 2)
    raise ValueError(f"unsupported format letter '{letter}'")  # pragma: no cover


def format_problem(pattern) -> str | None:
    try:
        _pattern_tokens(pattern)
    except ValueError as exc:
        return f"Time.now: {exc}"
    return None


def time_now(env, zone=None, pattern=None):
    moment = env.now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if zone is not None:
        zone = text_arg("Time.now", zone)
        problem = zone_problem(zone)
        if problem:
            raise ExpressionEvaluationError(f"Time.now: {problem[0].lower()}{problem[1:]}")
        moment = moment.astimezone(_zone(zone))
    else:
        moment = moment.astimezone(UTC)
    if pattern is None:
        millis = f"{moment.microsecond // 1000:03d}"
        offset = "Z" if moment.utcoffset() == timedelta(0) else _offset_text(moment, colon=True)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + millis + offset
    pattern = text_arg("Time.now", pattern)
    try:
        pieces = _pattern_tokens(pattern)
    except ValueError as exc:
        raise ExpressionEvaluationError(f"Time.now: {exc}") from None
    return "".join(piece[1] if piece[0] == "text" else _field(moment, piece[1], piece[2]) for piece in pieces)


def _check_time_now(args, pos):
    if args:
        known, value = literal_value(args[0])
        if known and isinstance(value, str) and zone_problem(value):
            raise ExpressionSyntaxError(zone_problem(value), args[0].pos)
    if len(args) > 1:
        known, value = literal_value(args[1])
        if known and isinstance(value, str) and format_problem(value):
            raise ExpressionSyntaxError(format_problem(value), args[1].pos)


def register_all(register) -> None:
    register("Time.now", time_now, 0, 2, check=_check_time_now)
