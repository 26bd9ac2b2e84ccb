"""What a watcher remembers between cycles and restarts, in one JSON file written atomically.

- ``seen``: GUIDs of the stories already announced (a restart never announces them again);
- ``sources``: per SOURCE, the last good fetch (when, and its stories not yet announced), so a
  source that fails this cycle still gives what it gave last time;
- ``last_delivery``: what was put in the drop folder last, and when;
- ``pending``: a delivery under way. It is written before the file is renamed into place and
  cleared after; at start-up a pending delivery whose file is in place (same sha256) counts as
  delivered, else as never made. A ``kill -9`` at any moment neither repeats nor loses a story.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.errors import OutputError
from bulletin.files import sha256_file, write_atomic
from bulletin.sources import Story
from bulletin.text.article import Article

STATE_VERSION = 1
SEEN_KEPT = 5000
"""GUIDs remembered (oldest forgotten first): far more than a feed lists at once."""


@dataclass
class WatchState:
    """The watcher's memory; ``save`` writes it atomically to ``path``."""

    path: Path
    seen: list[str] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)
    last_delivery: dict | None = None
    pending: dict | None = None

    @classmethod
    def load(cls, path: Path) -> WatchState:
        """Return the state stored at ``path`` (a fresh one if there is none); OutputError if it is unreadable."""
        path = Path(path)
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise OutputError(f"{path}: cannot read the watch state ({error}); move it away to start afresh") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise OutputError(f"{path}: not a bulletin watch state (version {STATE_VERSION}); move it away")
        return cls(
            path,
            seen=list(data.get("seen", [])),
            sources=dict(data.get("sources", {})),
            last_delivery=data.get("last_delivery"),
            pending=data.get("pending"),
        )

    def save(self) -> None:
        """Write the state atomically (temp file + rename)."""
        payload = {
            "version": STATE_VERSION,
            "seen": self.seen[-SEEN_KEPT:],
            "sources": self.sources,
            "last_delivery": self.last_delivery,
            "pending": self.pending,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"))

    def settle_pending(self) -> str | None:
        """Finish an interrupted delivery (counted if its file is in place, else forgotten); return what happened."""
        pending = self.pending
        if not pending:
            return None
        target = Path(pending["path"])
        done = target.is_file() and sha256_file(target) == pending["sha256"]
        if done:
            self.mark_delivered(pending)
        self.pending = None
        self.save()
        return f"interrupted delivery of {target} {'completed' if done else 'never made'}"

    def mark_delivered(self, delivery: dict) -> None:
        """Record ``delivery`` as made: its stories are seen and drop out of every source's pending items."""
        seen = set(self.seen)
        self.seen += [guid for guid in delivery["guids"] if guid not in seen]
        done = set(delivery["guids"])
        for record in self.sources.values():
            record["items"] = [item for item in record.get("items", []) if item["guid"] not in done]
        self.last_delivery = {key: value for key, value in delivery.items()}


def story_record(story: Story) -> dict:
    """Return a Story as JSON-ready data."""
    return dataclasses.asdict(story)


def story_from_record(record: dict) -> Story:
    """Return the Story stored by ``story_record``."""
    article = dict(record["article"], paragraphs=tuple(record["article"]["paragraphs"]))
    return Story(Article(**article), record["guid"], record["source"], record.get("published", ""))
