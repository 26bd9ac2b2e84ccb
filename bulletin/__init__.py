"""bulletin: French news articles to broadcast-ready radio bulletins.

The public API, importable from here::

    from bulletin import GenerateRequest, produce
    result = produce(GenerateRequest(articles=(Path("article.txt"),)))

Importing this package is cheap: the names below load their modules on first use, and
torch and Coqui TTS are imported only when a voice starts synthesising.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "produce": "bulletin.pipeline",
    "deliver": "bulletin.pipeline",
    "spoken_script": "bulletin.pipeline",
    "open_request_voice": "bulletin.pipeline",
    "publish_file": "bulletin.pipeline",
    "loudness_targets": "bulletin.request",
    "parse_pauses": "bulletin.request",
    "GenerateRequest": "bulletin.request",
    "Bulletin": "bulletin.request",
    "Delivery": "bulletin.pipeline",
    "SpokenScript": "bulletin.request",
    "MixSettings": "bulletin.audio.layout",
    "VoiceOptions": "bulletin.engines.base",
    "BulletinError": "bulletin.errors",
    "ArticleError": "bulletin.errors",
    "AudioError": "bulletin.errors",
    "OutputError": "bulletin.errors",
    "RequestError": "bulletin.errors",
    "VoiceError": "bulletin.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'bulletin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
