"""The editor's loop in real headless chromium against `bulletin studio` (tiny voice), over the DevTools protocol.

Paste an article, Préparer, see a highlighted rewrite and its written form, give a word its
pronunciation (saved to the lexicon, the script changes), Générer with live progress to
100 %, play it (duration, captions, chapters), Publier, and find the episode in the feed.
"""

from __future__ import annotations

import base64
import json
import signal
import urllib.request

import feedparser
import pytest
from mutagen.mp3 import MP3

from helpers import CHROMIUM, ROOT, STUDIO_ARTICLE, chromium, make_channel, studio

ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium) — browser checks skipped"
)


def screenshot(browser, name: str) -> None:
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(shot["data"]))
    assert (ARTIFACTS / name).stat().st_size > 10_000


def js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_the_editor_prepares_fixes_generates_listens_and_publishes(tmp_path, tiny_voice_dir):
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    channel = make_channel()
    fields = ("title", "description", "author", "owner_email")
    (feed_dir / "podcast.toml").write_text(
        "\n".join(f'{k} = "{getattr(channel, k)}"' for k in fields), encoding="utf-8"
    )
    process, url = studio(
        "--port", "0", "--voice", tiny_voice_dir, "--state-dir", tmp_path / "state", "--feed-dir", feed_dir,
        "--cache-dir", tmp_path / "cache",
    )  # fmt: skip
    try:
        with chromium(tmp_path / "profile", window="1100,1600") as browser:
            browser.call("Page.enable")
            browser.call("Page.navigate", url=f"{url}/")
            browser.wait_for("document.querySelectorAll('#voice option').length > 0", what="the voices to load")
            assert browser.evaluate("document.documentElement.lang") == "fr"
            unlabelled = browser.evaluate("""[...document.querySelectorAll('input, select, textarea')]
                .filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id)""")
            assert unlabelled == [], unlabelled  # every control has its label

            # Paste the article (the way a paste arrives: text inserted at the caret) and prepare.
            browser.evaluate("document.getElementById('article').focus()")
            browser.call("Input.insertText", text=STUDIO_ARTICLE)
            browser.evaluate("document.getElementById('prepare').click()")
            browser.wait_for("document.querySelectorAll('#script li').length > 2", what="the script")
            mark = browser.evaluate("""(() => {
                const marks = [...document.querySelectorAll('#script mark.rewrite')];
                const mark = marks.find((m) => m.dataset.written === '16');
                if (!mark) return null;
                mark.focus();
                const box = mark.getBoundingClientRect();
                return {text: mark.textContent, width: box.width, focused: document.activeElement === mark,
                        tip: getComputedStyle(mark, '::after').content,
                        background: getComputedStyle(mark).backgroundColor};
            })()""")
            assert mark and mark["text"] == "seize" and mark["width"] > 0 and mark["focused"], mark
            assert "écrit : 16" in mark["tip"] and mark["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
            sigle = browser.evaluate(
                "[...document.querySelectorAll('#script mark.rewrite')].some((m) => m.dataset.written.includes('OTSC'))"
            )
            assert sigle
            screenshot(browser, "studio-script.png")

            # Select a word of the script, give its pronunciation: saved, and the script says it.
            browser.evaluate("""(() => {
                const walker = document.createTreeWalker(document.getElementById('script'), NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                  const at = node.textContent.indexOf('Baikonour');
                  if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + 'Baikonour'.length);
                    getSelection().removeAllRanges();
                    getSelection().addRange(range);
                    document.getElementById('script').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                    return true;
                  }
                }
                return false;
            })()""")
            assert browser.evaluate("document.getElementById('written').value") == "Baikonour"
            assert browser.evaluate("document.activeElement.id") == "spoken"
            browser.call("Input.insertText", text="Baïkonour")
            browser.evaluate("document.getElementById('lexicon-save').click()")
            browser.wait_for(
                "document.getElementById('script').textContent.includes('Baïkonour')", what="the script to change"
            )
            with urllib.request.urlopen(f"{url}/api/lexicon", timeout=30) as response:
                assert json.loads(response.read())["entries"] == {"Baikonour": "Baïkonour"}

            # Choose the loudness preset, generate, follow the progress to 100 %.
            browser.evaluate("document.getElementById('loudness').value = 'ebu-r128'")
            browser.evaluate("""window.seen = []; new MutationObserver(() => window.seen.push(
                document.getElementById('progress').value)).observe(document.getElementById('progress-label'),
                {childList: true, characterData: true, subtree: true}); true""")
            browser.evaluate("document.getElementById('generate').click()")
            browser.wait_for("!document.getElementById('player-section').hidden", timeout_s=300, what="the bulletin")
            seen = browser.evaluate("window.seen")
            assert seen[-1] == 100 and any(0 < value < 100 for value in seen), seen
            assert seen == sorted(seen), seen
            assert browser.evaluate("document.getElementById('progress-label').textContent") == "100 %"

            # Listen: the player's duration is the file's; captions and chapters are there.
            player = browser.wait_for(
                """(() => {
                const audio = document.getElementById('player');
                const track = audio.querySelector('track');
                if (audio.readyState < 1 || !track || track.readyState < 2) return null;
                return {duration: audio.duration, src: audio.currentSrc, cues: track.track.cues.length,
                        chapters: document.querySelectorAll('#chapters button').length,
                        summary: document.getElementById('summary').textContent};
            })()""",
                what="the player",
            )
            job = json.loads(urllib.request.urlopen(f"{url}/api/bulletins", timeout=30).read())["bulletins"][0]
            audio_path = tmp_path / "from-studio.mp3"
            with urllib.request.urlopen(url + job["files"]["audio"], timeout=30) as response:
                audio_path.write_bytes(response.read())
            assert abs(player["duration"] - MP3(audio_path).info.length) < 0.5, player
            assert player["cues"] >= 2 and player["chapters"] >= 2, player
            assert "-23" in player["summary"] or "-22" in player["summary"], player  # ebu-r128 was used
            browser.evaluate("document.getElementById('player').pause(); window.scrollTo(0, 0); true")
            screenshot(browser, "studio-editor.png")

            # Publish: the feed lists the episode, its audio served under /feed/.
            browser.evaluate("document.getElementById('publish').click()")
            browser.wait_for("document.getElementById('published').textContent.startsWith('Publié')", what="publish")
            feed = feedparser.parse(urllib.request.urlopen(f"{url}/feed/feed.xml", timeout=30).read())
            assert [entry.title for entry in feed.entries] == ["Grève à Baikonour"]
            enclosure = feed.entries[0].enclosures[0].href
            assert enclosure.startswith(f"{url}/feed/episodes/")
            with urllib.request.urlopen(enclosure, timeout=30) as response:
                assert response.read() == audio_path.read_bytes()
            screenshot(browser, "studio-published.png")

            # The API docs render from the studio's own copy of Swagger UI.
            browser.call("Page.navigate", url=f"{url}/docs")
            operations = browser.wait_for(
                "document.querySelectorAll('.opblock').length >= 10 && document.querySelectorAll('.opblock').length",
                what="the API docs",
            )
            assert operations >= 10
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    assert "Traceback" not in errors, errors
