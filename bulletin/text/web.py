"""Web addresses, e-mail addresses, handles and hashtags, said the way a newsreader says them.

"https://www.radiofrance.fr/franceinter" -> "radiofrance point fr" (the host: nobody reads a
path on air), "contact@rfi.fr" -> "contact arobase rfi point fr", "@franceinfo" -> "arobase
franceinfo", "#BalanceTonPorc" -> "hashtag Balance Ton Porc".
"""

from __future__ import annotations

import re

from bulletin.text.spans import Plain

_URL = re.compile(r"<?\b(?:https?://|www\.)[^\s<>]+>?", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+(?:\.[\w-]+)+)\b")
_BARE_DOMAIN = re.compile(r"\b([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.(com|fr|org|net|cu|info|eu|int|gov|be|ch|ca|ru|io)\b")
_HANDLE = re.compile(r"(?<![\w.@])@([^\W_][\w]{0,29})")
_HASHTAG = re.compile(r"(?<![\w&#])#([^\W\d_][\w]*)")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])|_+")


def say_web(text: Plain, say_urls: bool = True) -> None:
    """Say the web addresses, e-mail addresses, handles and hashtags of ``text`` (or leave addresses out)."""
    if not say_urls:
        text.sub(_URL, " ", "url")
        text.sub(_EMAIL, " ", "url")
    else:
        text.sub(_URL, lambda m: " " + say_domain(re.sub(r"^<?(?:https?://)?(?:www\.)?", "", m.group())) + " ", "url")
        text.sub(
            _EMAIL,
            lambda m: m.group().split("@")[0].replace(".", " point ") + " arobase " + say_domain(m.group(1)),
            "url",
        )
    text.sub(_BARE_DOMAIN, lambda m: say_domain(m.group()), "url")
    text.sub(_HANDLE, lambda m: "arobase " + _words(m.group(1)), "url")
    text.sub(_HASHTAG, lambda m: "hashtag " + _words(m.group(1)), "url")


def say_domain(address: str) -> str:
    """Return the host of ``address`` said aloud: "radiohc.cu/fr/x" -> "radiohc point cu"."""
    host = re.split(r"[/?#>:]", address, maxsplit=1)[0].strip(".")
    return " point ".join(part for part in host.lower().split(".") if part)


def _words(name: str) -> str:
    """Return a handle or hashtag cut into its words ("EmmanuelMacron" -> "Emmanuel Macron")."""
    return _CAMEL.sub(" ", name).strip()
