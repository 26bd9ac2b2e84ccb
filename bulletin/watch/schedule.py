"""When a watcher runs its cycles: every N minutes from the start, or at minute MM of every hour."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bulletin import defaults
from bulletin.errors import RequestError


@dataclass(frozen=True)
class Schedule:
    """Every ``every_min`` minutes (first cycle at once), or at minute ``at_minute`` of each hour."""

    every_min: int | None = defaults.WATCH_EVERY_MIN
    at_minute: int | None = None

    def next_cycle(self, now: dt.datetime, last: dt.datetime | None) -> dt.datetime:
        """Return when the next cycle starts, given the start of the last one (None: none yet)."""
        if self.at_minute is not None:
            start = now.replace(minute=self.at_minute, second=0, microsecond=0)
            if start <= now and (last is not None and last >= start or start < now - dt.timedelta(seconds=59)):
                start += dt.timedelta(hours=1)  # this hour's cycle is done or long past: the next hour's
            return start
        if last is None:
            return now
        return last + dt.timedelta(minutes=self.every_min or defaults.WATCH_EVERY_MIN)


def parse_schedule(every_min: int | None, at: str | None) -> Schedule:
    """Return the Schedule of ``--every MIN`` or ``--at :MM`` (not both); RequestError for a bad value."""
    if every_min is not None and at is not None:
        raise RequestError("give --every MIN or --at :MM, not both")
    if at is not None:
        match = re.fullmatch(r"\s*(?:\*|\d{1,2})?:(\d{2})\s*", at)
        if not match or int(match.group(1)) > 59:
            raise RequestError(f"--at {at!r}: write the minute of each hour as :MM, e.g. --at :58")
        return Schedule(every_min=None, at_minute=int(match.group(1)))
    if every_min is not None and every_min < 1:
        raise RequestError(f"--every {every_min}: give a number of minutes, at least 1")
    return Schedule(every_min=every_min or defaults.WATCH_EVERY_MIN)
