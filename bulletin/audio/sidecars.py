"""The files written beside a bulletin (same stem): transcripts, chapters, the script; and reading them back.

``SIDECARS`` is the one list of their names; the generator, publish and the listen-back
check all take it from here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bulletin.audio.cues import transcript_cues
from bulletin.audio.timeline import Chapter, Placement
from bulletin.errors import AudioError, BulletinError
from bulletin.files import write_atomic
from bulletin.text.ssml import without_phonemes
from bulletin.timecode import timestamp

SIDECARS = {
    "vtt": ".vtt",
    "srt": ".srt",
    "transcript": ".transcript.json",
    "chapters": ".chapters.json",
    "script": ".script.json",
}
"""Each sidecar's kind and the suffix it takes after the audio's stem."""
MIME_TYPES = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "transcript": "application/json",
    "chapters": "application/json+chapters",
}
"""How a feed announces the published sidecars."""
COMMIT_ORDER = ("script", "chapters", "vtt", "srt", "transcript")
"""The order sidecars are renamed into place, before the audio: those recording its sha256 first, so a
set interrupted anywhere is all old, all new, or detectably mismatched (``check_audio_matches``)."""
SHA256_KEY = "audio_sha256"
"""The key of the audio's sha256 in the script and chapters JSON."""


def sidecar_paths(audio: str | os.PathLike) -> dict[str, Path]:
    """Return the paths of the files written beside ``audio`` (same stem), by kind."""
    stem = Path(audio).with_suffix("")
    return {kind: Path(f"{stem}{suffix}") for kind, suffix in SIDECARS.items()}


def _cues(placements: list[Placement], separator: str) -> list[str]:
    """Return numbered cues in written form, times written with ``separator`` before milliseconds."""
    lines = []
    for number, cue in enumerate(transcript_cues(placements), 1):
        start, end = timestamp(cue.start_s, separator), timestamp(cue.end_s, separator)
        lines += [str(number), f"{start} --> {end}", *cue.lines, ""]
    return lines


def vtt_text(placements: list[Placement]) -> str:
    """Return a WebVTT transcript: the article's written words in short cues, timed where they are said."""
    return "\n".join(["WEBVTT", "", *_cues(placements, ".")])


def srt_text(placements: list[Placement]) -> str:
    """Return the same transcript as SubRip (SRT)."""
    return "\n".join(_cues(placements, ","))


def transcript_json(placements: list[Placement]) -> str:
    """Return the same transcript as a Podcasting 2.0 JSON transcript (version 1.0.0)."""
    segments = [
        {"startTime": round(cue.start_s, 3), "endTime": round(cue.end_s, 3), "body": cue.text}
        for cue in transcript_cues(placements)
    ]
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=2)


def chapters_json(chapters: list[Chapter], audio_sha256: str | None = None) -> str:
    """Return Podcasting 2.0 chapters JSON (version 1.2.0), recording the audio's sha256 when given."""
    data = {"version": "1.2.0", "chapters": [{"startTime": round(c.start_s, 3), "title": c.title} for c in chapters]}
    if audio_sha256:
        data[SHA256_KEY] = audio_sha256  # an extra key: players ignore it
    return json.dumps(data, ensure_ascii=False, indent=2)


def script_json(title: str, placements: list[Placement], audio_sha256: str | None = None) -> str:
    """Return the spoken script (and each segment's written form) with its place in the mix (for listen-back)."""
    return json.dumps(
        {
            "title": title,
            **({SHA256_KEY: audio_sha256} if audio_sha256 else {}),
            "segments": [
                {
                    "role": p.role,
                    "text": without_phonemes(p.text),
                    "written": p.written or p.text,
                    "start_s": round(p.start_s, 3),
                    "end_s": round(p.end_s, 3),
                    "paragraph": p.paragraph,
                    "cut": p.cut,
                }
                for p in placements
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_atomic(path, text.encode("utf-8"))


def load_script_json(path: str | os.PathLike) -> tuple[str, list[Placement]]:
    """Return (title, segments) from a ``<stem>.script.json`` sidecar written by the generator."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BulletinError(f"{path}: no such script file; give the .script.json written beside the bulletin") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BulletinError(f"{path}: not a readable script JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise BulletinError(f'{path}: expected an object with a "segments" list')
    segments = []
    for index, item in enumerate(data["segments"]):
        try:
            segments.append(
                Placement(
                    str(item["role"]),
                    str(item["text"]),
                    float(item["start_s"]),
                    float(item["end_s"]),
                    int(item.get("paragraph", -1)),
                    str(item.get("written", "")),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BulletinError(f"{path}: segments[{index}] needs role, text, start_s, end_s ({error!r})") from None
    return str(data.get("title", "")), segments


def check_audio_matches(audio: str | os.PathLike, audio_sha256: str | None = None, extra: tuple = ()) -> None:
    """Raise AudioError if a sidecar of ``audio`` (or one in ``extra``) records another audio's sha256.

    The generator writes the audio's sha256 into the script and chapters JSON; a run killed while
    it placed a new set leaves new sidecars beside the old audio, which this detects. Sidecars
    without the key (older bulletins, hand-made ones) are not checked.
    """
    from bulletin.files import sha256_file

    paths = [sidecar_paths(audio)[kind] for kind in ("script", "chapters")] + [Path(p) for p in extra]
    for path in dict.fromkeys(paths):
        try:
            recorded = json.loads(path.read_text(encoding="utf-8")).get(SHA256_KEY)
        except (OSError, ValueError, AttributeError):
            continue  # absent or unreadable: the reader of that file says so itself
        if not recorded:
            continue
        audio_sha256 = audio_sha256 or sha256_file(audio)
        if recorded != audio_sha256:
            raise AudioError(
                f"{path} was written for another version of {Path(audio).name} (its audio_sha256 differs): "
                "a run was interrupted or the files were mixed up; generate the bulletin again"
            )


def default_script_path(audio_path: str | os.PathLike) -> Path:
    """Return where the generator writes the script sidecar of ``audio_path``: ``<stem>.script.json``."""
    return sidecar_paths(audio_path)["script"]


def load_chapters(audio: Path | str) -> list[Chapter]:
    """Return the chapters of ``audio``: from ``<stem>.chapters.json`` if present, else its ID3 CHAP frames."""
    sidecar = sidecar_paths(audio)["chapters"]
    if sidecar.is_file():
        return chapters_from_json(sidecar)
    return chapters_from_id3(audio)


def chapters_from_json(path: Path) -> list[Chapter]:
    """Return the chapters of a Podcasting 2.0 chapters file, in time order; BulletinError if unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chapters = [Chapter(float(c["startTime"]), str(c.get("title", ""))) for c in data["chapters"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BulletinError(f"{path}: not a Podcasting 2.0 chapters file ({error})") from None
    return sorted(chapters, key=lambda c: c.start_s)


def chapters_from_id3(audio: Path) -> list[Chapter]:
    """Return the ID3 CHAP chapters of an MP3, in time order; none when its tag is missing or damaged."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(audio)
    except (ID3NoHeaderError, OSError):
        return []
    except Exception:  # a damaged tag is not worth failing playback or publishing over
        return []
    chapters = []
    for frame in tags.getall("CHAP"):
        title = ""
        for sub in frame.sub_frames.values():
            if sub.FrameID == "TIT2" and sub.text:
                title = str(sub.text[0])
        chapters.append(Chapter(frame.start_time / 1000.0, title or frame.element_id))
    return sorted(chapters, key=lambda c: c.start_s)
