"""The one exception family for problems a user can fix.

The CLI prints ``str(error)`` on one line of stderr and exits 1. Messages say
what is wrong and what to do. Bugs are not BulletinErrors: they stay tracebacks.
"""


class BulletinError(Exception):
    """A problem the user can fix (bad input, missing model, unusable output path)."""


class ArticleError(BulletinError):
    """The article file cannot be read or holds no text to broadcast."""


class SourceError(ArticleError):
    """A source (URL, feed, stdin) cannot be fetched or holds no article; the message names it."""


class VoiceError(BulletinError):
    """The voice cannot be loaded or cannot speak."""


class AudioError(BulletinError):
    """The audio produced or given fails a check (silent, clipped, unreadable)."""


class OutputError(BulletinError):
    """An output cannot be written where asked."""


class RequestError(BulletinError):
    """An option's value is unknown or out of range."""
