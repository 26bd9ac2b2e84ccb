"""Play a bulletin on the local sound device (miniaudio, a wheel: no apt, no PortAudio).

miniaudio raises an error when no output device exists (it never falls back to its
null backend unless asked, so a machine without sound is told so). Opening the
device runs in a helper thread with a timeout, so a wedged sound server cannot hang
the command; the C libraries' own chatter on stderr (ALSA, PulseAudio) is kept out
of the user's terminal while the device opens.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from bulletin.audio.sidecars import load_chapters
from bulletin.audio.timeline import Chapter
from bulletin.errors import AudioError

#: on_progress(elapsed_s, duration_s, chapter_title) is called about 4 times a second.
ProgressCallback = Callable[[float, float, str], None]

DEVICE_OPEN_TIMEOUT_S = 3.0
#: Playback gives up when the device has taken no audio for this long (a wedged device, not a hang).
STALL_TIMEOUT_S = 3.0


def chapter_at(chapters: list[Chapter], elapsed_s: float) -> str:
    """Return the title of the chapter playing at ``elapsed_s`` ("" before the first or without chapters)."""
    title = ""
    for chapter in chapters:
        if chapter.start_s <= elapsed_s + 1e-6:
            title = chapter.title
        else:
            break
    return title


@contextmanager
def _quiet_stderr():
    """Send file descriptor 2 to a temp file while C libraries probe for devices; restore it after."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _open_device(sample_rate: int, nchannels: int, timeout_s: float, backends=None):
    """Return an open miniaudio PlaybackDevice, or raise AudioError within ``timeout_s``."""
    import miniaudio

    result: dict = {}

    def opener() -> None:
        try:
            result["device"] = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=nchannels,
                sample_rate=sample_rate,
                app_name="bulletin",
                backends=backends,
            )
        except Exception as error:  # MiniaudioError and friends: reported below as one line
            result["error"] = error

    with _quiet_stderr():
        thread = threading.Thread(target=opener, name="bulletin-audio-open", daemon=True)
        thread.start()
        thread.join(timeout_s)
    if thread.is_alive():
        raise AudioError(f"the sound device did not open within {timeout_s:g} s (is the sound server stuck?)")
    if "error" in result:
        raise AudioError(
            "no sound device available to play on "
            f"({result['error'].args[0] if result['error'].args else result['error']}); "
            "copy the MP3 to a machine with speakers, or serve it with `bulletin serve`"
        )
    return result["device"]


def play(
    path: Path | str,
    on_progress: Optional[ProgressCallback] = None,
    open_timeout_s: float = DEVICE_OPEN_TIMEOUT_S,
    backends: Optional[list] = None,
) -> float:
    """Play the audio file at ``path`` to the end; return the seconds played.

    Chapters come from ``<stem>.chapters.json`` or the MP3's ID3 CHAP frames.
    Raises AudioError when the file cannot be decoded or no sound device can be opened.
    Ctrl-C stops playback and returns. ``backends`` (miniaudio.Backend values) narrows the
    device search; tests pass ``[Backend.NULL]`` to play in real time into nothing.
    """
    import miniaudio

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    try:
        info = miniaudio.get_file_info(str(path))
    except miniaudio.MiniaudioError as error:
        raise AudioError(f"{path}: cannot decode this audio file ({error.args[0] if error.args else error})") from None
    chapters = load_chapters(path) if path.suffix.lower() == ".mp3" else []
    nchannels = min(max(info.nchannels, 1), 2)
    rate = info.sample_rate
    duration_s = float(info.duration)

    device = _open_device(rate, nchannels, open_timeout_s, backends)
    fed_frames = [0]
    finished = threading.Event()

    def feeder():
        stream = miniaudio.stream_file(
            str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=nchannels, sample_rate=rate
        )
        wanted = yield b""
        while True:
            try:
                chunk = stream.send(wanted)
            except StopIteration:
                break
            if not len(chunk):
                break
            fed_frames[0] += len(chunk) // nchannels
            wanted = yield chunk
        finished.set()

    generator = feeder()
    next(generator)
    latency_s = 0.2  # PlaybackDevice's default buffer: frames handed over are this far ahead of the speaker
    started = time.monotonic()
    last_frames, last_change = -1, started
    try:
        device.start(generator)
        while True:
            done = finished.wait(0.25)
            now = time.monotonic()
            if fed_frames[0] != last_frames:
                last_frames, last_change = fed_frames[0], now
            elif not done and now - last_change > STALL_TIMEOUT_S:
                raise AudioError(f"the sound device stopped taking audio after {fed_frames[0] / rate:.1f} s")
            elapsed_s = min(max(fed_frames[0] / rate - latency_s, 0.0), duration_s)
            if on_progress is not None:
                on_progress(elapsed_s, duration_s, chapter_at(chapters, elapsed_s))
            if done:
                time.sleep(latency_s)  # let the last buffer reach the speaker
                if on_progress is not None:
                    on_progress(duration_s, duration_s, chapter_at(chapters, duration_s))
                return duration_s
    except KeyboardInterrupt:
        return min(time.monotonic() - started, duration_s)
    finally:
        device.close()
