"""After ``produce``: listen back to a bulletin, and publish it only if that check passed.

Re-exported by ``bulletin.pipeline`` (``deliver``, ``publish_file``, ``Delivery``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin import defaults
from bulletin.request import Bulletin

if TYPE_CHECKING:
    from bulletin.publish.episodes import Episode
    from bulletin.qa.listen import CheckReport


@dataclass(frozen=True)
class Delivery:
    """What happened after a bulletin was made: its listen-back report and its feed episode, if asked."""

    bulletin: Bulletin
    report: CheckReport | None = None
    """The listen-back report, when a check was asked."""
    episode: Episode | None = None
    """The published Episode; None when not asked, or when the check failed."""

    @property
    def passed(self) -> bool:
        """True unless a listen-back check was run and failed."""
        return self.report is None or self.report.passed


def publish_file(audio: Path, feed_dir: Path = defaults.FEED_DIR, config: Path | None = None, **options):
    """Publish ``audio`` into ``feed_dir`` with the channel TOML ``config`` (or the one the feed remembers)."""
    from bulletin.publish.channel import find_channel_config, load_channel, remember_channel
    from bulletin.publish.episodes import publish

    channel = load_channel(find_channel_config(feed_dir, config))
    episode = publish(audio, feed_dir, channel, **options)
    if config is not None:  # the feed keeps the first channel it was given, for publishes without --config
        remember_channel(feed_dir, channel, config)
    return episode


def deliver(
    bulletin: Bulletin,
    check: bool = False,
    max_wer: float = defaults.MAX_WER,
    publish_dir: Path | None = None,
    feed_config: Path | None = None,
    replace: bool = False,
) -> Delivery:
    """Listen back to ``bulletin`` if ``check``; publish it into ``publish_dir`` only if that check passed.

    ``replace``: an episode of the same name already in the feed with other audio is replaced
    (the watcher's newer newscast for the same air time), instead of refused.
    """
    report = None
    if check:
        from bulletin.qa.listen import check_file

        report = check_file(bulletin.output, bulletin.sidecars["script"], max_wer=max_wer)
    episode = None
    if publish_dir is not None and (report is None or report.passed):
        episode = publish_file(bulletin.output, publish_dir, feed_config, replace=replace)
    return Delivery(bulletin, report, episode)
