"""The real ``bulletin watch`` process: --once exit codes, SIGTERM between and inside cycles, kill -9 then resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from mutagen.mp3 import MP3

from bulletin.audio.sidecars import chapters_from_id3

from helpers import ROOT, LocalSite, Page, rss_feed


def items(*numbers: int) -> list[tuple[str, str, str]]:
    return [
        (f"p{n}", f"Dépêche {n}", f"Caen, 1er décembre (CDN) La dépêche numéro {n} est tombée ce matin.")
        for n in numbers
    ]


@pytest.fixture
def world(tmp_path, tiny_voice_dir, tmp_path_factory):
    feed = {"page": Page(rss_feed(items(2, 1)), content_type="application/rss+xml")}
    drop = tmp_path / "playout"
    drop.mkdir()
    with LocalSite({"/rss.xml": lambda: feed["page"]}) as site:
        args = watch_args(
            site.url("/rss.xml"), "--drop", drop, "--state-dir", tmp_path / "state", "--voice", tiny_voice_dir,
            "--cache-dir", CACHE(tmp_path_factory), "--no-jingles", "--stories", "2",
        )  # fmt: skip
        yield feed, drop, args, tmp_path / "state"


def CACHE(tmp_path_factory):  # noqa: N802 - a fixed place, shared by the tests of this file
    return tmp_path_factory.getbasetemp() / "watch-process-cache"


def watch_args(*args) -> list[str]:
    """The arguments of ``bulletin watch``, as strings."""
    return [str(a) for a in args]


def start_watch(args, *extra) -> subprocess.Popen:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "bulletin", "watch", *args, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def watch_once(args, *extra) -> tuple[int, dict]:
    process = start_watch(args, "--once", "--json", *extra)
    out, err = process.communicate(timeout=600)
    return process.returncode, (json.loads(out.splitlines()[-1]) if out.strip() else {"stderr": err})


def wait_for(condition, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_once_exit_codes_say_delivered_nothing_new_or_failed(world, tmp_path, tmp_path_factory):
    feed, drop, args, state_dir = world
    code, event = watch_once(args)
    assert code == 0 and event["status"] == "delivered" and event["stories"] == ["Dépêche 2", "Dépêche 1"]
    assert event["delivered"] == str(drop / "bulletin.mp3")  # --drop: into the drop folder
    titles = [chapter.title for chapter in chapters_from_id3(drop / "bulletin.mp3")]
    assert "Dépêche 2" in titles and "Dépêche 1" in titles  # --stories 2: both stories said
    assert "Générique" not in titles and "Fin" not in titles  # --no-jingles: no intro, no outro
    assert [p.suffix for p in state_dir.iterdir() if p.suffix == ".json"] == [".json"]  # --state-dir
    assert any(p.is_file() for p in CACHE(tmp_path_factory).rglob("*"))  # --cache-dir: the segments cached there
    code, event = watch_once(args)
    assert code == 3 and event["status"] == "nothing-new"
    feed["page"] = Page("gone", status=404)
    code, event = watch_once(args)
    assert code == 1 and event["status"] == "failed" and "404" in event["sources"][0]["error"]
    bad = [a if a != str(drop) else str(tmp_path / "missing") for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "watch", *bad, "--once"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_sigterm_ends_the_watcher_cleanly_between_and_inside_cycles(world):
    feed, drop, args, _ = world
    target = drop / "bulletin.mp3"
    watcher = start_watch(args, "--every", "60")
    assert "delivered" in watcher.stdout.readline()  # the cycle's line comes once its file is in place
    first = target.read_bytes()
    watcher.send_signal(signal.SIGTERM)  # while it waits for the next cycle
    assert watcher.wait(timeout=20) == 0

    feed["page"] = Page(rss_feed(items(4, 3, 2, 1)), content_type="application/rss+xml")
    watcher = start_watch(args, "--every", "60")
    state = drop.parent / "state"
    wait_for(lambda: any(p.suffix == ".work" for p in state.iterdir()))  # the cycle has begun making the newscast
    watcher.send_signal(signal.SIGTERM)  # inside the cycle: it ends at once, without a partial file
    assert watcher.wait(timeout=60) == 0
    assert not [p for p in drop.iterdir() if p.name.startswith(".")]
    assert MP3(target).info.length > 1  # a whole file: the previous one, or the new one if it was already renamed
    dated = sorted(drop.glob("bulletin-*.mp3"))
    assert target.read_bytes() in (first, dated[-1].read_bytes())


def test_a_watcher_killed_hard_resumes_without_repeating_a_story(world):
    feed, drop, args, state_dir = world
    watcher = start_watch(args, "--every", "60")
    wait_for(lambda: (drop / "bulletin.mp3").exists())
    time.sleep(0.5)
    watcher.kill()  # kill -9 after a delivery
    watcher.wait(timeout=20)

    feed["page"] = Page(rss_feed(items(4, 3, 2, 1)), content_type="application/rss+xml")
    watcher = start_watch(args, "--every", "60")
    state_file = next(p for p in state_dir.iterdir() if p.suffix == ".json")
    time.sleep(1.0)
    watcher.kill()  # kill -9 again, most likely inside the cycle
    watcher.wait(timeout=20)

    code, event = watch_once(args)
    announced = json.loads(state_file.read_text(encoding="utf-8"))["seen"]
    assert len(announced) == len(set(announced))  # nothing announced twice
    if code == 0:  # the killed cycle had not delivered: the new stories come now, and only they
        assert event["stories"] == ["Dépêche 4", "Dépêche 3"]
    else:  # it had: nothing is new any more
        assert code == 3 and sorted(announced) == ["p1", "p2", "p3", "p4"]
    assert sorted(announced) == ["p1", "p2", "p3", "p4"]
    assert not [p for p in drop.iterdir() if p.name.startswith(".")]
