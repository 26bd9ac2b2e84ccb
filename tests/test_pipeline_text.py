"""produce() with the text features, tiny voice: SSML breaks as real silence, clause pauses, a one-paragraph flash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin import GenerateRequest, defaults, produce
from bulletin.audio import layout

LONG_SENTENCE = (
    "Les manifestants, venus de toutes les provinces du pays et de plusieurs villes voisines, ont défilé pendant "
    "des heures dans le centre, sous la pluie, en scandant des slogans contre la hausse des prix, tandis que la "
    "police, présente en nombre autour des bâtiments officiels, surveillait le cortège sans intervenir."
)


def generate(tmp_path: Path, voice: Path, cache: Path, text: str, name: str = "a.txt") -> list[dict]:
    """Produce ``text`` with the tiny voice; return the segments of its script.json."""
    article = tmp_path / name
    article.write_text(text, encoding="utf-8")
    out = tmp_path / f"{article.stem}.mp3"
    produce(GenerateRequest(articles=(article,), voice=str(voice), output=out, cache_dir=cache, jingles=False))
    return json.loads(out.with_suffix(".script.json").read_text(encoding="utf-8"))["segments"]


def gap_after(segments: list[dict], text: str) -> float:
    index = next(i for i, s in enumerate(segments) if s["text"] == text)
    return segments[index + 1]["start_s"] - segments[index]["end_s"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("break_ms", [300, 1500, 2750])
def test_an_ssml_break_is_real_silence_of_its_length(tmp_path, tiny_voice_dir, cache, break_ms):
    plain = generate(tmp_path, tiny_voice_dir, cache, "Titre\n\nBonjour à tous. Voici les nouvelles.\n", "plain.txt")
    assert len([s for s in plain if s["role"] == "lead"]) == 1  # one segment without the break
    marked = generate(
        tmp_path, tiny_voice_dir, cache, f'Titre\n\nBonjour à tous. <break time="{break_ms}ms"/> Voici les nouvelles.\n'
    )
    assert [s["text"] for s in marked if s["role"] == "lead"] == ["Bonjour à tous.", "Voici les nouvelles."]
    assert gap_after(marked, "Bonjour à tous.") == pytest.approx(break_ms / 1000, abs=0.05)
    assert "break" not in " ".join(s["text"] for s in marked)


def test_a_segment_cut_at_a_comma_gets_a_clause_pause(tmp_path, tiny_voice_dir, cache):
    segments = generate(tmp_path, tiny_voice_dir, cache, f"Titre\n\n{LONG_SENTENCE} Puis le calme est revenu.\n")
    lead = [s for s in segments if s["role"] == "lead"]
    assert len(lead) >= 2 and not lead[0]["text"].endswith(".")  # the sentence is longer than a segment
    gaps = [b["start_s"] - a["end_s"] for a, b in zip(lead, lead[1:])]
    assert gaps[0] == pytest.approx(defaults.CLAUSE_PAUSE_MS / 1000, abs=0.01)
    assert gaps[0] < defaults.PAUSE_AFTER_MS["lead"] / 1000 < layout.PARAGRAPH_PAUSE_MS / 1000


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Séisme au Japon\nUn séisme de magnitude 7 a frappé le nord du pays.\n", ["Séisme au Japon."]),
        ("Un séisme de magnitude 7 a frappé le nord du Japon.\n", []),
    ],
)
def test_a_one_paragraph_flash_is_a_bulletin(tmp_path, tiny_voice_dir, cache, text, spoken):
    segments = generate(tmp_path, tiny_voice_dir, cache, text, "flash.txt")
    assert [s["text"] for s in segments if s["role"] == "headline"] == spoken
    lead = [s for s in segments if s["role"] == "lead"]
    assert len(lead) == 1 and "magnitude sept" in lead[0]["text"]
