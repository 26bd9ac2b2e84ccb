"""The steps ``produce`` takes for sources, newscasts and slots (pipeline layer, below pipeline.py).

- ``make_script``: the spoken Script of the stories (a newscast's frame, one sentence per segment for a slot);
- ``gather_articles``: every SOURCE of a request (files, URLs, feeds, stdin, Articles) read through
  ``bulletin.sources``, feeds giving their newest items, cut to ``stories``;
- ``newscast_at`` / ``slot_of``: the air time said and the slot, from the request or its station;
- ``fit_prepared``: the slot fitted on speech already synthesised (``bulletin.audio.fit``);
- ``load_parts`` / ``read_artwork`` / ``bulletin_tags``: the jingles, bed and cover, and the tags, of a request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from bulletin.audio.fit import SlotFit, fit_slot
from bulletin.audio.layout import MixSettings
from bulletin.errors import OutputError
from bulletin.request import GenerateRequest, SpeechBudget
from bulletin.sources import load
from bulletin.text.article import Article
from bulletin.text.rundown import Rundown, air_time, chapter_titles, newscast_script, newscast_title, sentence_segments
from bulletin.text.segment import Script, build_script, join_scripts

Clock = Callable[[], dt.datetime]


def make_script(
    articles: list[Article],
    alphabet: frozenset[str],
    lexicon: Path | None,
    max_chars: int,
    title: str | None = None,
    rundown: tuple[Rundown, dt.time] | None = None,
    sentences: bool = False,
    takes_phonemes: bool = False,
    budget: SpeechBudget | None = None,
) -> Script:
    """Return the spoken Script of ``articles`` (one story each) for a voice with ``alphabet``.

    ``rundown`` (station wording, air time) frames them as a newscast; ``sentences`` puts one
    sentence in each segment (a slot is fitted by dropping whole ones). ``takes_phonemes``: the
    voice says SSML ``<phoneme>`` IPA (Kokoro); elsewhere the word is read. With a ``budget``,
    RequestError as soon as the spoken text passes its limit (``--max-minutes``).
    """
    from bulletin.text.normalize import load_lexicon, speakable_report

    entries = load_lexicon(lexicon)
    removed: list[str] = []

    def speak(text: str):
        spoken, rewrites, gone = speakable_report(text, alphabet, entries)
        removed.extend(gone.elements())
        if budget is not None:
            budget.count(text, spoken)
        return spoken, rewrites

    if rundown is not None:
        script = newscast_script(articles, rundown[0], rundown[1], speak, max_chars, takes_phonemes)
    else:
        scripts = [
            build_script(article, speak, max_chars, story, takes_phonemes) for story, article in enumerate(articles)
        ]
        script = join_scripts(scripts, title or articles[0].title)
    script = dataclasses.replace(script, removed="".join(removed))
    return sentence_segments(script) if sentences else script


def gather_articles(request: GenerateRequest, fetcher=None) -> list[Article]:
    """Return the stories of ``request.articles`` in order; a feed gives its newest, up to the stories asked."""
    limit = request.stories or (request.rundown.station.stories if request.rundown else None)
    articles: list[Article] = []
    for source in request.articles:
        if isinstance(source, Article):
            articles.append(source)
        else:
            articles += load(source, allow_private=request.allow_private, fetcher=fetcher, limit=limit)
    return articles[: request.stories] if request.stories else articles


def newscast_at(request: GenerateRequest, clock: Clock = dt.datetime.now) -> dt.time | None:
    """Return the air time a newscast says: the one asked, else the next newscast time; None for a plain bulletin."""
    if request.rundown is None:
        return None
    if request.rundown.at is not None:
        return request.rundown.at
    return air_time(clock(), request.rundown.station.every_min).time()


def slot_of(request: GenerateRequest) -> float | None:
    """Return the slot to fit, in seconds: the request's, else its station's; None for no slot."""
    if request.slot_s is not None:
        return request.slot_s
    if request.rundown is not None and request.rundown.station.slot_s > 0:
        return request.rundown.station.slot_s
    return None


def title_of(request: GenerateRequest, at: dt.time | None) -> str | None:
    """Return a newscast's title ("Journal de 8 h"); None for a plain bulletin."""
    return None if at is None else newscast_title(at)


def story_titles(request: GenerateRequest, articles: list[Article]) -> list[str]:
    """Return the chapter title of each story index in the script (a newscast adds its opener and sign-off)."""
    return chapter_titles(articles) if request.rundown else [article.title for article in articles]


def fit_prepared(prepared: list, parts: dict, mix: MixSettings, slot_s: float, stinger: bool):
    """Return (the prepared segments kept, the stretched mix settings, the SlotFit) for ``slot_s``."""
    sizes = [speech.size for _, speech in prepared]

    def size(name: str) -> int | None:
        return None if parts.get(name) is None else parts[name].size

    keep, settings, fit = fit_slot(
        [segment for segment, _ in prepared],
        sizes,
        size("intro"),
        size("outro"),
        size("stinger") if stinger else None,
        mix,
        slot_s,
    )
    return [prepared[i] for i in keep], settings, fit


def fitted_script(script: Script, fit: SlotFit | None) -> Script:
    """Return ``script`` without the sentences ``fit`` dropped: what was said."""
    if fit is None or not fit.dropped:
        return script
    dropped = list(fit.dropped)
    kept = []
    for segment in script.segments:
        if (segment.story, segment.text) in dropped:
            dropped.remove((segment.story, segment.text))
        else:
            kept.append(segment)
    return Script(script.title, tuple(kept))


def slot_fit_from(figures: dict) -> SlotFit | None:
    """Return the SlotFit stored with a finished render's figures, if any."""
    stored = figures.get("slot_fit")
    if not stored:
        return None
    return SlotFit(**dict(stored, dropped=tuple((int(s), str(t)) for s, t in stored["dropped"])))


def load_parts(request: GenerateRequest) -> dict:
    """Return the jingles (levelled user files or the bundled ones), the bed and the artwork bytes."""
    from bulletin.assets import JINGLES, artwork_bytes, jingle_path
    from bulletin.audio.io import load_audio
    from bulletin.audio.layout import level_jingle

    parts = {}
    for name in JINGLES:
        user = getattr(request, name)
        if not request.jingles:
            parts[name] = None
        else:
            parts[name] = level_jingle(load_audio(user)) if user else load_audio(jingle_path(name))
    parts["bed"] = load_audio(request.bed) if request.bed else None
    parts["artwork"] = read_artwork(request.artwork) if request.artwork else artwork_bytes()
    return parts


def bulletin_tags(articles: list[Article], title: str, date: dt.date, request: GenerateRequest):
    """Return the tags of a bulletin: its title, the station as artist (else the show), the date, a description."""
    from bulletin.audio.encode import Tags

    lead = articles[0]
    if len(articles) == 1:
        description = (f"{lead.dateline} – " if lead.dateline else "") + lead.plain_lead
    else:
        description = " / ".join(article.title for article in articles)
    station = request.station or request.show  # the artist tag names who speaks: the station, else the show
    return Tags(title=title, station=station, show=request.show, date=date.isoformat(), description=description)


def read_artwork(path: Path) -> bytes:
    """Return the bytes of a PNG or JPEG cover; OutputError otherwise."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OutputError(f"{path}: cannot read the artwork ({error.strerror}); give a PNG or JPEG file") from None
    if not (data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"):
        raise OutputError(f"{path}: the artwork must be a PNG or JPEG image")
    return data
