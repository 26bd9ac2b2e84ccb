"""OpenAI-compatible speech: ``input`` text read in French, as audio bytes, through the same normaliser and voices.

Not a bulletin: no headline, jingles or chapters. The input is read paragraph by paragraph
(blank lines), made speakable with the station lexicon ("19h30" -> "dix-neuf heures
trente"), cut into segments, spoken through the segment cache, joined with the pauses a
bulletin uses, mastered to the podcast loudness and encoded as asked.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bulletin import defaults
from bulletin.errors import ArticleError, RequestError
from bulletin.studio.jobs import Job
from bulletin.studio.worker import check_cancel

OPENAI_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
"""OpenAI's voice names: each is read by the studio's own voice."""
MODELS = ("bulletin", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")
"""Model names /v1/audio/speech accepts (they all use the same French pipeline)."""


def speech_segments(text: str, alphabet: frozenset[str], lexicon) -> list:
    """Return the segments the voice reads for ``text``: its paragraphs, speakable, cut at sentence ends."""
    from bulletin.pipeline import make_script
    from bulletin.text.article import Article

    paragraphs = tuple(" ".join(block.split()) for block in text.replace("\r", "").split("\n\n") if block.strip())
    if not paragraphs:
        raise ArticleError("input is empty: give the text to say")
    script = make_script([Article(title="", paragraphs=paragraphs)], alphabet, lexicon, defaults.MAX_CHARS, "speech")
    if not script.segments:
        raise ArticleError("input has nothing a voice can say; give French text")
    return list(script.segments)


def speak(job: Job, studio) -> tuple[bytes, str]:
    """Return (audio bytes in ``job.params["response_format"]``, the text spoken) for a speech job."""
    from bulletin.audio.encode import Tags
    from bulletin.audio.export import encode_bytes
    from bulletin.audio.io import RATE_HZ
    from bulletin.audio.layout import PARAGRAPH_PAUSE_MS, prepare_speech
    from bulletin.audio.master import master
    from bulletin.cache import SegmentCache

    params = job.params
    options = studio.settings.voice_options
    speed = float(params.get("speed", 1.0))
    if speed != 1.0:
        if not any(field.name == "speed" for field in dataclasses.fields(options)):
            raise RequestError("speed: this build reads at the voice's own rate only; send speed 1.0")
        options = dataclasses.replace(options, speed=speed)
    voice = studio.pool.get(params["voice"], options)
    lexicon = studio.settings.lexicon_path if studio.settings.lexicon_path.is_file() else None
    segments = speech_segments(params["input"], voice.alphabet, lexicon)
    cache = SegmentCache(studio.settings.cache_dir)
    parts = []
    for index, segment in enumerate(segments):
        check_cancel(job)
        key = cache.key(voice.identity, segment.text)
        cached = cache.get(key)
        if cached is None:
            samples, rate = voice.synthesize(segment.text), voice.sample_rate
            cache.put(key, samples, rate)
        else:
            samples, rate = cached
        if parts:
            same_paragraph = segment.paragraph == segments[index - 1].paragraph
            pause_ms = defaults.PAUSE_AFTER_MS["body"] if same_paragraph else PARAGRAPH_PAUSE_MS
            parts.append(np.zeros(int(RATE_HZ * pause_ms / 1000), dtype=np.float32))
        parts.append(prepare_speech(samples, rate, index))
    check_cancel(job)
    lufs, peak = defaults.LOUDNESS_PRESETS[defaults.LOUDNESS_PRESET]
    mastered = master(np.concatenate(parts), lufs, peak)
    tags = Tags(title=segments[0].text[:80], station=defaults.STATION, show=defaults.SHOW)
    audio = encode_bytes(mastered, params.get("response_format", "mp3"), tags, lufs)
    return audio, "\n".join(segment.text for segment in segments)
