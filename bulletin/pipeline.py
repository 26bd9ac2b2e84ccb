"""The public Python API: articles in, a mastered bulletin out, then checked and published.

    from bulletin import GenerateRequest, produce
    result = produce(GenerateRequest(articles=(Path("examples/rhc-kazakhstan.txt"),)))

Stages run one way: text (article, normalize, segment) -> engines (a voice, through the
segment cache) -> audio (layout, master, encode, sidecars) -> qa / publish. Everything a
user can get wrong is checked before any model loads. Every rule the CLI applies lives
here, so the CLI, a web service or a batch runner make the same bulletin from the same
request: ``loudness_targets`` (presets by name), ``parse_pauses`` (``ROLE=MS``),
``produce`` and ``deliver`` (listen back, and publish only what passed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bulletin import defaults
from bulletin.cache import SegmentCache
from bulletin.delivery import Delivery, deliver, publish_file
from bulletin.engines.base import Voice, release_memory
from bulletin.engines.factory import open_voice
from bulletin.engines.presets import preset_alphabet, resolve_voice_spec
from bulletin.errors import AudioError
from bulletin.files import StagedFiles, WriteError, pause_point, sha256_file, sweep_temps
from bulletin.newscast import (
    bulletin_tags,
    fit_prepared,
    fitted_script,
    gather_articles,
    load_parts,
    make_script,
    newscast_at,
    slot_fit_from,
    slot_of,
    story_titles,
    title_of,
)
from bulletin.request import (
    Bulletin,
    GenerateRequest,
    SpeechBudget,
    SpokenScript,
    broadcast_moment,
    bulletin_title,
    check_output,
    loudness_targets,
    notices,
    output_path,
    parse_pauses,
    validate,
)
from bulletin.text.article import Article
from bulletin.text.rundown import Rundown
from bulletin.text.segment import Script

Progress = Callable[[int, int, str], None]
"""Called with (segments done, segments in all, stage: "loading voice", "speaking" or "mixing")."""
__all__ = [
    "Bulletin",
    "Delivery",
    "GenerateRequest",
    "SpokenScript",
    "deliver",
    "loudness_targets",
    "open_request_voice",
    "parse_pauses",
    "produce",
    "publish_file",
    "spoken_script",
]
RENDER_VERSION = 5
"""Bump when mixing, mastering or export change what a render produces."""


# --- the script --------------------------------------------------------------------------------


def spoken_script(
    source: Path | str | Article,
    voice: str = defaults.VOICE,
    lexicon: Path | None = None,
    max_chars: int = defaults.MAX_CHARS,
    stories: int | None = None,
    rundown: Rundown | None = None,
) -> SpokenScript:
    """Return the spoken script of a SOURCE (file, URL, feed, "-") for ``voice``, without loading any model."""
    from bulletin.text import ssml
    from bulletin.text.normalize import outside

    request = GenerateRequest(articles=(source,), voice=voice, max_chars=max_chars, stories=stories, rundown=rundown)
    validate(request)
    articles = gather_articles(request)
    preset = resolve_voice_spec(voice)
    alphabet = preset_alphabet(preset)
    at = newscast_at(request)
    frame = (rundown, at) if rundown is not None else None
    script = make_script(
        articles,
        alphabet,
        lexicon,
        max_chars,
        bulletin_title([article.title for article in articles], broadcast_moment(request, at)),
        frame,
        takes_phonemes=preset.engine == "kokoro",
    )
    dropped = outside(ssml.without_phonemes(script.text.replace("\n", " ")), alphabet)
    return SpokenScript(script, preset.name, dropped, Counter(script.removed))


# --- produce -----------------------------------------------------------------------------------


def open_request_voice(request: GenerateRequest) -> Voice:
    """Return the Voice ``request`` asks for, to pass to several ``produce`` calls (its model loads once)."""
    return open_voice(resolve_voice_spec(request.voice), request.voice_options)


def produce(request: GenerateRequest, progress: Progress | None = None, voice: Voice | None = None) -> Bulletin:
    """Make the bulletin of ``request.articles``: synthesise (or reuse) each segment, mix, master, export.

    ``voice``: an open Voice for ``request.voice`` (from ``open_request_voice``) that the caller
    keeps open across bulletins, so a batch worker loads its model once; by default the voice is
    opened here and closed before mixing.

    Memory does not grow with the bulletin's length: each prepared segment is kept on disk
    (a scratch directory in the cache dir, removed afterwards), laid out into a mix file,
    then mastered and encoded a chunk at a time (``bulletin.audio.stream``). Articles longer
    than ``request.max_minutes`` of estimated speech are refused before any model loads.
    """
    from bulletin.audio.sidecars import sidecar_paths
    from bulletin.audio.stream import MixFile, scratch_dir

    started = time.perf_counter()
    validate(request)
    warnings = tuple(notices(request))
    preset = resolve_voice_spec(request.voice)
    articles = gather_articles(request)
    at = newscast_at(request)
    moment = broadcast_moment(request, at)
    slot_s = slot_of(request)
    title = title_of(request, at) or bulletin_title([article.title for article in articles], moment)
    output = output_path(request, [article.title for article in articles], moment)
    check_output(output, request.audio_format, request.force)
    parts = load_parts(request)
    tags = bulletin_tags(articles, title, moment.date(), request)

    frame = (request.rundown, at) if request.rundown is not None else None

    def script_for(alphabet: frozenset[str], takes_phonemes: bool) -> Script:
        budget = SpeechBudget(request.max_minutes, preset.chars_per_s, articles)
        return make_script(
            articles, alphabet, request.lexicon, request.max_chars, title, frame, bool(slot_s), takes_phonemes, budget
        )

    owned = voice is None
    if owned:  # too long? decided on the preset's alphabet, before any model loads (or downloads)
        script_for(preset_alphabet(preset), preset.engine == "kokoro")
        voice = open_voice(preset, request.voice_options)
    elif voice.name != preset.name:
        raise ValueError(f"produce: the voice given is {voice.name}, the request asks for {preset.name}")
    script = script_for(voice.alphabet, getattr(voice, "takes_phonemes", False))
    if not any(character.isalnum() for segment in script.segments for character in segment.text):
        raise AudioError(
            f"nothing to say: no word of {', '.join(repr(article.title) for article in articles)} is speakable "
            f"by voice {voice.name}; give an article in French, or a voice whose alphabet covers it"
        )
    sweep_temps(output.parent)  # what a killed run left (pid gone, untouched for 10 minutes)
    cache = SegmentCache(request.cache_dir)
    keys = [cache.key(voice.identity, segment.text) for segment in script.segments]
    render_key = _render_key(keys, script, tags, request, parts, slot_s)
    sidecars = sidecar_paths(output)
    figures = cache.reuse_render(render_key, output, sidecars)
    if figures is not None:
        return _bulletin(figures, output, sidecars, script, voice.name, len(keys), 0, 0, started, warnings)

    with scratch_dir(cache.directory) as scratch:
        spool, mixed = MixFile(scratch / "speech.f32"), MixFile(scratch / "mix.f32")
        try:
            prepared, dropped = _speak(script, keys, voice, cache, progress, spool)
            if owned:
                voice.close()  # the mix needs none of the model's memory
            else:
                release_memory()  # a kept voice stays loaded: still hand back what synthesis freed before the mix
            if progress:
                progress(len(keys), len(keys), "mixing")
            stinger = len({segment.story for segment in script.segments}) > 1
            mix, fit = request.mix, None
            if slot_s:  # drop trailing sentences, stretch pauses: on the speech already made, no second synthesis
                prepared, mix, fit = fit_prepared(prepared, parts, request.mix, slot_s, stinger)
            titles = story_titles(request, articles)
            layout = (prepared, titles, stinger, mix, mixed, scratch)
            figures = _mix_and_write(layout, parts, request, tags, output, sidecars, title, slot_s)
        finally:
            spool.close()
            mixed.close()
    if fit is not None:
        figures["slot_fit"] = dataclasses.asdict(fit)
    cache.store_render(render_key, output, sidecars, figures)
    hits, misses = cache.hits, cache.misses
    return _bulletin(figures, output, sidecars, script, voice.name, hits, misses, dropped, started, warnings)


def _speak(script: Script, keys: list[str], voice: Voice, cache: SegmentCache, progress: Progress | None, spool):
    """Return ([(segment, speech ready to mix)], characters dropped): each segment from the cache or the voice.

    The prepared speech goes to ``spool`` (a MixFile) as it comes; what is returned are Clips of it.
    """
    from bulletin.audio.layout import prepare_speech

    prepared = []
    dropped = 0
    loaded = False
    total = len(script.segments)
    for index, (segment, key) in enumerate(zip(script.segments, keys)):
        cached = cache.get(key)
        if cached is None:
            if progress:  # the model loads at the first segment it speaks, which can take seconds
                progress(index, total, "loading voice" if not loaded else "speaking")
            dropped += sum(voice.dropped_characters(segment.text).values())
            if progress and not loaded:
                progress(index, total, "speaking")
            loaded = True
            samples, rate = voice.synthesize(segment.text), voice.sample_rate
            cache.put(key, samples, rate)
        else:
            samples, rate = cached
        prepared.append((segment, spool.keep(prepare_speech(samples, rate, index))))
        if progress:
            progress(index + 1, total, "speaking")
    return prepared, dropped


def _mix_and_write(layout, parts, request, tags, output: Path, sidecars, title, slot_s) -> dict:
    """Lay the speech out, master and encode it, write the sidecars; return the figures of the file.

    ``layout``: (prepared Clips, story titles, stinger or not, MixSettings, the MixFile to lay
    them into, the scratch directory).

    Nothing is written when the encoded file would be longer than ``slot_s`` (a bug in fitting, never aired).
    """
    from bulletin.audio import sidecars as files
    from bulletin.audio.layout import Stitcher
    from bulletin.audio.master import master_to_file

    prepared, titles, stinger, mix, mixed, scratch = layout
    stitcher = Stitcher(mixed, parts["intro"], parts["stinger"] if stinger else None, mix, titles)
    for segment, speech in prepared:
        stitcher.add(segment, speech)
    stitched = stitcher.finish(parts["outro"], parts["bed"])
    expected_s = stitched.intro_s + stitched.speech_s + stitched.pauses_s + stitched.stingers_s + stitched.outro_s
    if abs(stitched.duration_s - expected_s) > 0.05:
        raise AudioError(f"the mix lasts {stitched.duration_s:.2f} s but its parts add up to {expected_s:.2f} s")
    if stitched.speech_s <= 0:
        raise AudioError("the voice said nothing: every segment came out silent; try another voice")
    # Crash consistency: the audio is encoded and every sidecar written under temp names; then the
    # sidecars are renamed (those recording the audio's sha256 first) and the audio last. A kill or a
    # full disk at any point leaves the old set, the new set, or new sidecars whose audio_sha256 does
    # not match the old audio (publish and check refuse it); never new audio with old sidecars.
    with StagedFiles() as audio_stage, StagedFiles() as sidecar_stage:
        staged_audio = audio_stage.path_for(output)
        try:
            measured = master_to_file(
                staged_audio,
                stitched.samples,
                request.audio_format,
                tags,
                stitched.chapters,
                request.target_lufs,
                request.true_peak_db,
                request.bitrate_kbps,
                parts["artwork"],
                scratch=scratch,
            )
        except WriteError as error:  # it names the temp file: name the output instead
            raise WriteError(output, error.reason) from None
        if abs(measured.duration_s - stitched.duration_s) > 0.1:
            raise AudioError(
                f"the encoded file lasts {measured.duration_s:.2f} s instead of {stitched.duration_s:.2f} s"
            )
        if slot_s and measured.duration_s > slot_s:
            raise AudioError(f"the fitted bulletin lasts {measured.duration_s:.2f} s, over its {slot_s:g} s slot")
        audio_sha256 = sha256_file(staged_audio)
        texts = {
            "script": files.script_json(title, stitched.placements, audio_sha256),
            "chapters": files.chapters_json(stitched.chapters, audio_sha256),
            "vtt": files.vtt_text(stitched.placements),
            "srt": files.srt_text(stitched.placements),
            "transcript": files.transcript_json(stitched.placements),
        }
        for kind in files.COMMIT_ORDER:
            sidecar_stage.write(sidecars[kind], texts[kind].encode("utf-8"))
        sidecar_stage.commit()
        pause_point("before-audio-rename")
        audio_stage.commit()
    pause_point("after-audio-rename")
    return dict(
        dataclasses.asdict(measured),
        speech_s=stitched.speech_s,
        jingles_s=stitched.intro_s + stitched.outro_s,
        pauses_s=stitched.pauses_s,
    )


def _render_key(segment_keys: list[str], script: Script, tags, request: GenerateRequest, parts: dict, slot_s) -> str:
    """Return the key of a finished bulletin: every input that shapes its bytes."""

    def digest(samples) -> str | None:
        return None if samples is None else hashlib.sha256(samples.tobytes()).hexdigest()

    from bulletin import __version__

    payload = {
        "version": [RENDER_VERSION, __version__],
        "segments": segment_keys,
        "layout": [(s.role, s.paragraph, s.story, s.cut, s.pause_after_ms) for s in script.segments],
        "jingles": {name: digest(parts[name]) for name in ("intro", "outro", "stinger")},
        "bed": digest(parts["bed"]),
        "mix": request.mix.identity(),
        "tags": dataclasses.asdict(tags),
        "artwork": hashlib.sha256(parts["artwork"]).hexdigest(),
        "master": [request.target_lufs, request.true_peak_db, request.audio_format, request.bitrate_kbps],
        "slot": [slot_s, defaults.SLOT_UNDER_S, defaults.SLOT_STRETCH] if slot_s else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _bulletin(figures: dict, output, sidecars, script, voice, hits: int, misses: int, dropped: int, started, warnings):
    fit = slot_fit_from(figures)
    return Bulletin(
        output=output,
        sidecars=sidecars,
        script=fitted_script(script, fit),
        voice=voice,
        duration_s=figures["duration_s"],
        speech_s=figures["speech_s"],
        jingles_s=figures["jingles_s"],
        pauses_s=figures["pauses_s"],
        loudness_lufs=figures["loudness_lufs"],
        true_peak_db=figures["true_peak_db"],
        loudness_range_lu=figures["loudness_range_lu"],
        cache_hits=hits,
        cache_misses=misses,
        dropped_characters=dropped,
        seconds=time.perf_counter() - started,
        slot_fit=fit,
        warnings=warnings,
    )
