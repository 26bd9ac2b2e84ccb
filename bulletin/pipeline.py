"""The public Python API: article in, mastered bulletin out.

    from bulletin.pipeline import GenerateRequest, produce
    result = produce(GenerateRequest(articles=(Path("examples/rhc-kazakhstan.txt"),)))

Stages run in one direction: article -> normalize -> segment -> voice (+ cache)
-> mix -> export. Everything a user can get wrong is checked before the model loads.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.article import Article, read_article
from bulletin.cache import SegmentCache
from bulletin.errors import ArticleError, AudioError, OutputError
from bulletin.mix import MixSettings
from bulletin.numbers_fr import MONTHS
from bulletin.segment import DEFAULT_MAX_CHARS, Script, build_script, join_scripts
from bulletin.voice import DEFAULT_PRESET, VoiceOptions, VoicePreset, open_voice, preset_alphabet, resolve_voice_spec

DEFAULT_OUTPUT_DIR = Path("audio_out")
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class GenerateRequest:
    """Everything ``produce`` needs; defaults are the CLI's."""

    articles: tuple[Path, ...]
    """The article files, one story each, read in this order."""
    output: Path | None = None
    """Audio file to write; default audio_out/DATE-SLUG.<format>."""
    voice: str = DEFAULT_PRESET
    """Preset name or Coqui model directory."""
    voice_options: VoiceOptions = field(default_factory=VoiceOptions)
    """Device, threads, speaker wav, licence agreement."""
    cache_dir: Path | None = None
    """Segment cache; default the user cache dir."""
    lexicon: Path | None = None
    """User pronunciation lexicon overriding the bundled one."""
    max_chars: int = DEFAULT_MAX_CHARS
    """Longest segment in spoken characters."""
    jingles: bool = True
    """Intro and outro jingles (and the stinger between stories)."""
    intro: Path | None = None
    """User intro jingle (any format ffmpeg reads); default the bundled one."""
    outro: Path | None = None
    """User outro jingle; default the bundled one."""
    stinger: Path | None = None
    """User stinger between stories; default the bundled one."""
    bed: Path | None = None
    """Music bed looped under the speech and ducked; none by default."""
    mix: MixSettings = field(default_factory=MixSettings)
    """Pauses, overlap and ducking."""
    target_lufs: float = -16.0
    """Integrated loudness of the master."""
    true_peak_db: float = -1.0
    """True-peak ceiling of the master."""
    audio_format: str = "mp3"
    """mp3, wav, flac or ogg."""
    bitrate_kbps: int = 128
    """MP3 CBR bitrate, 64 to 192."""
    station: str = "bulletin"
    """Station or author (ID3 TPE1)."""
    show: str = "Bulletin d'information"
    """Show name (ID3 TALB)."""
    artwork: Path | None = None
    """Cover image (PNG or JPEG); default the bundled one."""
    date: dt.date | None = None
    """Broadcast date (tags, default file name); default today."""


@dataclass(frozen=True)
class Bulletin:
    """What ``produce`` made."""

    output: Path
    """The MP3 written."""
    sidecars: dict[str, Path]
    """Transcript (vtt, srt), chapters and script JSON beside it."""
    script: Script
    """What was said."""
    voice: str
    """Voice used."""
    duration_s: float
    """Decoded duration of the MP3."""
    speech_s: float
    """Trimmed speech in it."""
    jingles_s: float
    """Intro + outro."""
    pauses_s: float
    """Silence between parts."""
    loudness_lufs: float
    """Integrated loudness of the decoded file."""
    true_peak_db: float
    """True peak of the decoded file (4x oversampled)."""
    loudness_range_lu: float
    """Loudness range (EBU Tech 3342) of the decoded file."""
    cache_hits: int
    """Segments taken from the cache."""
    cache_misses: int
    """Segments synthesised."""
    dropped_characters: int
    """Characters the voice dropped in the segments synthesised (always 0 when the normaliser did its job)."""
    seconds: float
    """Wall time of the run."""

    def summary(self) -> dict:
        """Return a JSON-ready summary."""
        return {
            "output": str(self.output),
            "duration_s": round(self.duration_s, 3),
            "speech_s": round(self.speech_s, 3),
            "jingles_s": round(self.jingles_s, 3),
            "pauses_s": round(self.pauses_s, 3),
            "segments": len(self.script.segments),
            "voice": self.voice,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "dropped_characters": self.dropped_characters,
            "loudness_lufs": round(self.loudness_lufs, 2),
            "true_peak_db": round(self.true_peak_db, 2),
            "loudness_range_lu": round(self.loudness_range_lu, 2),
            "seconds": round(self.seconds, 2),
            "files": {kind: str(path) for kind, path in self.sidecars.items()},
        }


@dataclass(frozen=True)
class SpokenScript:
    """The script as a voice would read it, and what it would still drop."""

    script: Script
    voice: str
    dropped: Counter


def slugify(text: str, max_length: int = 60) -> str:
    """Return a file-name-safe ASCII slug: "Coup d'État au Kazakhstan" -> "coup-d-etat-au-kazakhstan"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "bulletin"


def make_script(
    articles: list[Article], alphabet: frozenset[str], lexicon: Path | None, max_chars: int, title: str | None = None
) -> Script:
    """Return the spoken Script of ``articles`` (one story each) for a voice with ``alphabet``."""
    from bulletin.normalize import load_lexicon, speakable

    entries = load_lexicon(lexicon)

    def speak(text: str) -> str:
        return speakable(text, alphabet, entries)

    scripts = [build_script(article, speak, max_chars, story) for story, article in enumerate(articles)]
    return join_scripts(scripts, title or articles[0].title)


def spoken_script(
    article_path: Path, voice: str = DEFAULT_PRESET, lexicon: Path | None = None, max_chars: int = DEFAULT_MAX_CHARS
) -> SpokenScript:
    """Return the spoken script of an article file for ``voice``, without loading any model."""
    from bulletin.normalize import outside

    article = read_article(article_path)
    preset = resolve_voice_spec(voice)
    alphabet = preset_alphabet(preset)
    script = make_script([article], alphabet, lexicon, max_chars)
    return SpokenScript(script, preset.name, outside(script.text.replace("\n", " "), alphabet))


AUDIO_FORMATS = ("mp3", "wav", "flac", "ogg")


def bulletin_title(articles: list[Article], date: dt.date) -> str:
    """Return the bulletin's title: the headline for one story, "Journal du 25 novembre 2026" for several."""
    if len(articles) == 1:
        return articles[0].title
    return f"Journal du {date.day} {MONTHS[date.month - 1]} {date.year}"


def check_output(output: Path, audio_format: str) -> None:
    """Raise OutputError unless ``output`` can be written as ``audio_format``."""
    if audio_format not in AUDIO_FORMATS:
        raise OutputError(f"unknown format {audio_format!r}; use one of {', '.join(AUDIO_FORMATS)}")
    if output.suffix.lower() != f".{audio_format}":
        raise OutputError(
            f"{output}: a {audio_format} file must end in .{audio_format}; "
            f"use -o NAME.{audio_format} or --format {output.suffix.lstrip('.') or 'mp3'}"
        )
    if not output.parent.is_dir():
        raise OutputError(f"{output.parent}: no such directory; create it or choose another output path")
    if output.is_dir():
        raise OutputError(f"{output}: is a directory; give a file name")


def produce(request: GenerateRequest, progress: Progress | None = None) -> Bulletin:
    """Make the bulletin of ``request.articles``: synthesise (or reuse) each segment, mix, master, export."""
    from bulletin import export, mix
    from bulletin.artwork import bundled_artwork
    from bulletin.jingles import bundled_path

    started = time.perf_counter()
    if not request.articles:
        raise ArticleError("no article given; name at least one .txt or .md file")
    articles = [read_article(path) for path in request.articles]
    preset: VoicePreset = resolve_voice_spec(request.voice)
    date = request.date or dt.date.today()
    title = bulletin_title(articles, date)
    output = (
        Path(request.output)
        if request.output
        else DEFAULT_OUTPUT_DIR / f"{date.isoformat()}-{slugify(title)}.{request.audio_format}"
    )
    if request.output is None:
        output.parent.mkdir(parents=True, exist_ok=True)
    check_output(output, request.audio_format)
    if request.audio_format == "mp3" and not 64 <= request.bitrate_kbps <= 192:
        raise OutputError(f"bitrate {request.bitrate_kbps} kbps is out of range; use 64 to 192")
    if not -40 <= request.target_lufs <= -5 or not -10 <= request.true_peak_db <= 0:
        raise OutputError("loudness target must be between -40 and -5 LUFS and the true peak between -10 and 0 dBTP")
    artwork = _read_artwork(request.artwork) if request.artwork else bundled_artwork()
    jingle = {
        name: (
            mix.level_jingle(mix.load_audio(getattr(request, name)))
            if getattr(request, name)
            else mix.load_audio(bundled_path(name))
        )
        if request.jingles
        else None
        for name in ("intro", "outro", "stinger")
    }
    bed = mix.load_audio(request.bed) if request.bed else None

    voice = open_voice(preset, request.voice_options)
    script = make_script(articles, voice.alphabet, request.lexicon, request.max_chars, title)
    cache = SegmentCache(request.cache_dir)
    keys = [cache.key(voice.identity, segment.text) for segment in script.segments]
    lead = articles[0]
    tags = export.Tags(
        title=title,
        station=request.station,
        show=request.show,
        date=date.isoformat(),
        description=(f"{lead.dateline} – " if lead.dateline else "") + lead.lead
        if len(articles) == 1
        else " / ".join(article.title for article in articles),
    )
    render_key = _render_key(keys, script, tags, request, jingle, bed, artwork)
    sidecars = export.sidecar_paths(output)
    reused = _reuse_render(cache, render_key, output, sidecars)
    if reused is not None:
        cache.hits = len(keys)
        return _bulletin(reused, output, sidecars, script, voice.name, cache, 0, started)

    prepared = []
    dropped = 0
    total = len(script.segments)
    for index, (segment, key) in enumerate(zip(script.segments, keys)):
        cached = cache.get(key)
        if cached is None:
            if progress:
                progress(index, total, "speaking")
            dropped += sum(voice.dropped_characters(segment.text).values())
            samples = voice.synthesize(segment.text)
            rate = voice.sample_rate
            cache.put(key, samples, rate)
        else:
            samples, rate = cached
        prepared.append((segment, mix.prepare_speech(samples, rate, index)))
        if progress:
            progress(index + 1, total, "speaking")

    voice.close()  # the mix needs none of the model's memory
    if progress:
        progress(total, total, "mixing")
    stitched = mix.assemble(
        prepared,
        jingle["intro"],
        jingle["outro"],
        jingle["stinger"] if len(articles) > 1 else None,
        bed,
        request.mix,
        [article.title for article in articles],
    )
    del prepared  # the mix holds every sample now
    expected_s = stitched.intro_s + stitched.speech_s + stitched.pauses_s + stitched.stingers_s + stitched.outro_s
    if abs(stitched.duration_s - expected_s) > 0.05:
        raise AudioError(f"the mix lasts {stitched.duration_s:.2f} s but its parts add up to {expected_s:.2f} s")
    headroom_db = 0.5
    for _ in range(3):  # the true peak gate: what the listener decodes must stay under the ceiling
        mastered = mix.master(stitched.samples, request.target_lufs, request.true_peak_db, headroom_db)
        measured = export.write_audio(
            output,
            mastered,
            request.audio_format,
            tags,
            stitched.chapters,
            request.target_lufs,
            request.bitrate_kbps,
            artwork,
        )
        overshoot_db = measured["true_peak_db"] - request.true_peak_db
        if overshoot_db <= 0:
            break
        headroom_db += overshoot_db + 0.2
    else:
        output.unlink()
        raise AudioError(
            f"the encoded file peaks at {measured['true_peak_db']:.1f} dBTP, over the "
            f"{request.true_peak_db:.1f} dBTP ceiling; lower the loudness target or raise --true-peak"
        )
    if abs(measured["duration_s"] - stitched.duration_s) > 0.1:
        output.unlink()
        raise AudioError(
            f"the encoded file lasts {measured['duration_s']:.2f} s instead of {stitched.duration_s:.2f} s"
        )
    export.write_text(sidecars["vtt"], export.vtt_text(stitched.placements))
    export.write_text(sidecars["srt"], export.srt_text(stitched.placements))
    export.write_text(sidecars["chapters"], export.chapters_json(stitched.chapters))
    export.write_text(sidecars["script"], export.script_json(title, stitched.placements))
    figures = dict(
        measured, speech_s=stitched.speech_s, jingles_s=stitched.intro_s + stitched.outro_s, pauses_s=stitched.pauses_s
    )
    _store_render(cache, render_key, output, sidecars, figures)
    return _bulletin(figures, output, sidecars, script, voice.name, cache, dropped, started)


def _read_artwork(path: Path) -> bytes:
    """Return the bytes of a PNG or JPEG cover; OutputError otherwise."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OutputError(f"{path}: cannot read the artwork ({error.strerror}); give a PNG or JPEG file") from None
    if not (data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"):
        raise OutputError(f"{path}: the artwork must be a PNG or JPEG image")
    return data


RENDER_VERSION = 2
"""Bump when mixing, mastering or export change what a render produces."""


def _render_key(
    segment_keys: list[str], script: Script, tags, request: GenerateRequest, jingles: dict, bed, artwork: bytes
) -> str:
    """Return the key of a finished bulletin: every input that shapes its bytes."""
    import hashlib
    import json

    def digest(samples) -> str | None:
        return None if samples is None else hashlib.sha256(samples.tobytes()).hexdigest()

    payload = {
        "version": [RENDER_VERSION, __import__("bulletin").__version__],
        "segments": segment_keys,
        "layout": [(segment.role, segment.paragraph, segment.story) for segment in script.segments],
        "jingles": {name: digest(samples) for name, samples in jingles.items()},
        "bed": digest(bed),
        "mix": request.mix.__dict__,
        "tags": tags.__dict__,
        "artwork": hashlib.sha256(artwork).hexdigest(),
        "master": [request.target_lufs, request.true_peak_db, request.audio_format, request.bitrate_kbps],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _reuse_render(cache: SegmentCache, key: str, output: Path, sidecars: dict[str, Path]) -> dict | None:
    """Copy a stored render to ``output`` and its sidecars; return its figures, or None if absent."""
    import json

    from bulletin.files import copy_atomic

    directory = cache.render_dir(key)
    try:
        figures = json.loads((directory / "figures.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for kind, target in [("audio", output), *sidecars.items()]:
        copy_atomic(directory / kind, target)
    return figures


def _store_render(cache: SegmentCache, key: str, output: Path, sidecars: dict[str, Path], figures: dict) -> None:
    """Keep a copy of the finished bulletin so an identical re-run is a file copy."""
    import json

    from bulletin.files import copy_atomic, write_atomic

    directory = cache.render_dir(key)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for kind, source in [("audio", output), *sidecars.items()]:
            copy_atomic(source, directory / kind)
        write_atomic(directory / "figures.json", json.dumps(figures).encode())  # last: marks the render complete
    except (OSError, OutputError):
        pass  # a cache that cannot be written only costs time on the next run


def _bulletin(
    figures: dict,
    output: Path,
    sidecars: dict[str, Path],
    script: Script,
    voice: str,
    cache: SegmentCache,
    dropped: int,
    started: float,
) -> Bulletin:
    return Bulletin(
        output=output,
        sidecars=sidecars,
        script=script,
        voice=voice,
        duration_s=figures["duration_s"],
        speech_s=figures["speech_s"],
        jingles_s=figures["jingles_s"],
        pauses_s=figures["pauses_s"],
        loudness_lufs=figures["loudness_lufs"],
        true_peak_db=figures["true_peak_db"],
        loudness_range_lu=figures["loudness_range_lu"],
        cache_hits=cache.hits,
        cache_misses=cache.misses,
        dropped_characters=dropped,
        seconds=time.perf_counter() - started,
    )
