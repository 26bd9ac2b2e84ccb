"""Safe writing: staged sets of files, and sweeping the temps a killed run left (by pid and age)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bulletin.errors import OutputError
from bulletin.files import STALE_TEMP_S, StagedFiles, atomic_path, sweep_temps, temp_beside


def exited_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sweep_removes_only_stale_temps_of_dead_writers_and_never_other_files(tmp_path):
    dead, alive = exited_pid(), os.getpid()
    names = {
        f".b~{dead}~abcdefgh.mp3.tmp": True,  # its writer is gone, untouched for long: swept
        f"..b~{dead}~abcdefgh.mp3~{dead}~ijklmnop.tmp.tmp": True,  # a temp of a temp (the encoder's)
        ".b-abcd1234.mp3.tmp": True,  # the old naming, without a pid: by age alone
        f".b~{alive}~abcdefgh.mp3.tmp": False,  # a running writer's: never
        ".notes.tmp": False,  # not our pattern
        f".b~{dead}~abcdefgh.mp3": False,  # not a temp
        "b.mp3": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    fresh = tmp_path / f".c~{dead}~qrstuvwx.vtt.tmp"  # a dead writer's, but just written: kept for now
    fresh.write_bytes(b"x")
    then = time.time() - STALE_TEMP_S - 60
    for name in names:
        os.utime(tmp_path / name, (then, then))

    removed = sweep_temps(tmp_path)

    assert sorted(path.name for path in removed) == sorted(name for name, gone in names.items() if gone)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [fresh.name, *(name for name, gone in names.items() if not gone)]
    )


def test_temp_names_carry_the_pid_so_the_sweep_can_tell(tmp_path):
    temp = temp_beside(tmp_path / "b.mp3")
    assert temp.name.startswith(f".b~{os.getpid()}~") and temp.name.endswith(".mp3.tmp")
    then = time.time() - STALE_TEMP_S - 60
    os.utime(temp, (then, then))
    assert sweep_temps(tmp_path) == [] and temp.exists(), "this process is alive: its temp stays"


def test_a_staged_set_is_renamed_in_order_or_not_at_all(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(RuntimeError), StagedFiles() as staged:
        staged.write(tmp_path / "a.txt", b"new a")
        staged.write(tmp_path / "b.txt", b"new b")
        raise RuntimeError("the disk filled up")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old a"

    with StagedFiles() as staged:
        staged.write(tmp_path / "a.txt", b"new a")
        staged.write(tmp_path / "b.txt", b"new b")
        staged.commit()
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "b.txt").read_text() == "new b"
    assert (tmp_path / "a.txt").stat().st_mtime_ns <= (tmp_path / "b.txt").stat().st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_an_os_error_while_writing_is_one_output_error_naming_the_target(tmp_path):
    with pytest.raises(OutputError, match=r"cannot write .*b\.mp3: No space left on device"):
        with atomic_path(tmp_path / "b.mp3"):
            raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []
