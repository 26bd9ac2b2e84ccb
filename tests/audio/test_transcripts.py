"""Transcripts people read: written words in short cues, timed to when they are spoken."""

from __future__ import annotations

import json

import pytest
import webvtt

from bulletin.audio import sidecars
from bulletin.audio.cues import transcript_cues, wrap
from bulletin.audio.timeline import Placement
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable_spans
from bulletin.text.segment import paragraph_segments

LEXICON = load_lexicon()
PARAGRAPH = (
    "Le président a affirmé que pendant les troubles, des tentatives avaient été faites pour s'emparer "
    "d'armes, que 16 agents des forces de l'ordre avaient été tués et que la SNCF, la RATP et l'OTSC "
    "ont vu une hausse de 3,5 % depuis le 10 janvier. M. Dupont l'a dit à 22h30."
)


def placements_of(paragraph: str, seconds_per_char: float = 0.07, max_chars: int = 250) -> list[Placement]:
    """Return the placements of a paragraph laid out end to end, each as long as its spoken text."""
    speak = lambda text: speakable_spans(text, FRENCH_ALPHABET, LEXICON)  # noqa: E731
    out, start_s = [], 1.0
    for segment in paragraph_segments(paragraph, speak, max_chars, "body", 0):
        end_s = start_s + seconds_per_char * len(segment.text)
        out.append(Placement("body", segment.text, start_s, end_s, 0, segment.written, segment.rewrites))
        start_s = end_s + 0.45
    return out


def vtt_seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_cues_carry_the_written_words_not_the_spoken_ones(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text(sidecars.vtt_text(placements_of(PARAGRAPH)), encoding="utf-8")
    text = " ".join(cue.text.replace("\n", " ") for cue in webvtt.read(str(path)))
    assert text == PARAGRAPH
    for spoken in ("seize", "esse enne cé effe", "trois virgule cinq", "monsieur", "vingt-deux heures"):
        assert spoken not in text


@pytest.mark.parametrize("seconds_per_char", [0.03, 0.07, 0.2])
@pytest.mark.parametrize("max_chars", [80, 250])
def test_cues_are_short_two_lines_of_42_and_cover_each_placement(seconds_per_char, max_chars):
    placements = placements_of(PARAGRAPH * 2, seconds_per_char, max_chars)
    cues = transcript_cues(placements)
    assert all(len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines) for cue in cues)
    assert all(cue.end_s - cue.start_s <= 7.0 + 1e-9 for cue in cues)
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(cues, cues[1:]))
    for placement in placements:  # each placement's cues start with it, end with it, and leave no hole
        own = [cue for cue in cues if placement.start_s - 1e-9 <= cue.start_s < placement.end_s]
        assert own[0].start_s == placement.start_s and own[-1].end_s == placement.end_s
        assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(own, own[1:]))


def test_cue_times_follow_the_spoken_length_of_each_word():
    # "16" is said "seize": the words after it start later than their written position suggests
    written = "Il y a 16 agents ici et encore beaucoup d'autres gens partout là-bas dans la ville."
    spoken, rewrites = speakable_spans(written, FRENCH_ALPHABET, LEXICON)
    placement = Placement("body", spoken, 10.0, 10.0 + len(spoken) * 0.1, 0, written, rewrites)
    cues = transcript_cues([placement], max_s=2.0)
    assert len(cues) > 2
    for cue in cues[1:]:
        first_word = cue.lines[0].split()[0]
        spoken_at = spoken.index(" " + first_word) + 1 if first_word != "16" else spoken.index("seize")
        assert cue.start_s == pytest.approx(10.0 + spoken_at * 0.1, abs=0.11)


def test_cues_prefer_to_end_at_a_sentence_or_a_clause():
    cues = transcript_cues(placements_of(PARAGRAPH))
    endings = [cue.lines[-1][-1] for cue in cues[:-1]]
    assert sum(ending in ".,;:" for ending in endings) >= len(endings) // 2


def test_a_word_longer_than_a_line_is_cut_to_fit():
    written = "Voir https://www.radiohc.cu/fr/noticias/internacionales/282355-le-president-kazakh ici."
    placement = Placement("body", "Voir radiohc point cu ici.", 0.0, 3.0, 0, written, ())
    cues = transcript_cues([placement])
    assert all(len(line) <= 42 for cue in cues for line in cue.lines)
    assert "".join("".join(cue.lines) for cue in cues).replace(" ", "") == written.replace(" ", "")


def test_wrap_balances_two_lines():
    words = "le président du Kazakhstan a assuré ce lundi que son pays était".split()
    lines = wrap(words, 42)
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 12


def test_json_transcript_is_podcasting_2_0():
    placements = placements_of(PARAGRAPH)
    data = json.loads(sidecars.transcript_json(placements))
    assert data["version"] == "1.0.0"
    assert [set(s) for s in data["segments"]] == [{"startTime", "endTime", "body"}] * len(data["segments"])
    assert " ".join(s["body"] for s in data["segments"]) == PARAGRAPH
    assert sidecars.SIDECARS["transcript"] == ".transcript.json"


def test_script_json_keeps_the_spoken_form_and_adds_the_written_one(tmp_path):
    placements = placements_of(PARAGRAPH)
    path = tmp_path / "b.script.json"
    path.write_text(sidecars.script_json("T", placements), encoding="utf-8")
    segments = json.loads(path.read_text(encoding="utf-8"))["segments"]
    assert "seize agents" in segments[0]["text"] and "16 agents" in segments[0]["written"]
    _, loaded = sidecars.load_script_json(path)
    assert [p.written for p in loaded] == [p.written for p in placements]
