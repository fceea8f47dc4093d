"""Language codes: normalise declarations to ISO 639-1, and a small script/stop-word detector."""

from __future__ import annotations

import logging
import re
from collections import Counter

logger = logging.getLogger(__name__)

_TAG_RE = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")
# Deprecated or three-letter codes seen in the wild, mapped to ISO 639-1.
_ALIASES = {
    "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro",
    "eng": "en", "khm": "km", "tha": "th", "zho": "zh", "chi": "zh", "jpn": "ja", "kor": "ko", "vie": "vi",
    "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es", "por": "pt", "ita": "it", "rus": "ru",
    "ara": "ar", "nld": "nl", "dut": "nl", "swe": "sv", "ind": "id", "msa": "ms", "may": "ms", "lao": "lo",
    "mya": "my", "bur": "my", "hin": "hi", "ben": "bn", "tur": "tr", "pol": "pl", "ukr": "uk",
}

# (first code point, last code point, language) for scripts that name one language well enough.
_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x1780, 0x17FF, "km"), (0x19E0, 0x19FF, "km"),
    (0x0E00, 0x0E7F, "th"), (0x0E80, 0x0EFF, "lo"), (0x1000, 0x109F, "my"),
    (0x3040, 0x30FF, "ja"), (0xAC00, 0xD7AF, "ko"), (0x1100, 0x11FF, "ko"),
    (0x4E00, 0x9FFF, "zh"), (0x3400, 0x4DBF, "zh"),
    (0x0400, 0x04FF, "ru"), (0x0600, 0x06FF, "ar"), (0x0590, 0x05FF, "he"), (0x0370, 0x03FF, "el"),
    (0x0900, 0x097F, "hi"), (0x0980, 0x09FF, "bn"), (0x0B80, 0x0BFF, "ta"), (0x10A0, 0x10FF, "ka"),
    (0x0530, 0x058F, "hy"),
)
# A few very frequent function words per Latin-script language (detection among them only).
_STOPWORDS: dict[str, str] = {
    "en": "the and of to in is that for on with as was by said it at from be are this have has",
    "de": "der die und das ist nicht ein eine den von mit sich des auf für im dem auch es wird",
    "fr": "le la les et des est une pour dans que qui sur au du pas avec ce sont par plus",
    "es": "el la los las y que del en por una para con se es al lo como más pero sus",
    "pt": "o os e do da dos das que em um uma para com não se na no ao por mais",
    "it": "il di che la e per un una non del della in sono è anche con gli le dei",
    "nl": "de het een en van is dat op te in voor niet met zijn er aan ook",
    "sv": "och att det som en på är av för med till den har inte om ett",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke adalah oleh",
    "vi": "của và các là có được cho trong người những một này với không đã",
    "tr": "ve bir bu da de için ile olarak çok daha gibi olan ama en",
    "pl": "i w na z że się nie do to jest jak od po o przez ale",
}
_JAPANESE_KANA_SHARE = 0.1
"""Japanese news text is 40-65 % kana among its kana and kanji; Chinese text has next to none."""
_LETTER_RE = re.compile(r"[^\W\d_]")
_SCRIPT_RES: list[tuple[str, re.Pattern[str]]] = []
for _first, _last, _script_lang in _SCRIPTS:
    _SCRIPT_RES.append((_script_lang, re.compile(f"[{chr(_first)}-{chr(_last)}]")))
_WORD_TO_LANGS: dict[str, list[str]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        _WORD_TO_LANGS.setdefault(_word, []).append(_lang)
_WORD_RE = re.compile(r"[^\W\d_]+")


def normalize_language(tag: str | None) -> str | None:
    """`en-US`, `en_US`, `EN`, `khm` -> the lower-case ISO 639-1 primary subtag; None when unusable."""
    if not tag:
        return None
    match = _TAG_RE.match(tag.split(",")[0])
    if not match:
        return None
    primary = match.group(1).lower()
    primary = _ALIASES.get(primary, primary)
    return primary if len(primary) == 2 else None


def script_language(text: str, min_share: float = 0.3) -> str | None:
    """The language a non-Latin script names when at least `min_share` of the letters are in it."""
    sample = text[:5000]
    if sample.isascii():
        return None
    letters = len(_LETTER_RE.findall(sample))
    if not letters:
        return None
    counts: Counter[str] = Counter()
    for lang, pattern in _SCRIPT_RES:
        found = len(pattern.findall(sample))
        if found:
            counts[lang] += found
    if not counts:
        return None
    if counts["ja"] and counts["zh"]:
        # Japanese writes particles and endings in kana, a large share of its text; Chinese borrows only a
        # stray kana sign (the name separator "・", a long-vowel mark), so Han with a little kana stays Chinese.
        if counts["ja"] >= _JAPANESE_KANA_SHARE * (counts["ja"] + counts["zh"]):
            counts["ja"] += counts.pop("zh")
        else:
            counts["zh"] += counts.pop("ja")
    lang, count = counts.most_common(1)[0]
    return lang if count / letters >= min_share else None


def detect_language(text: str) -> str | None:
    """Guess the language of a text: by script for non-Latin scripts, by function words for Latin ones.

    Latin-script text defaults to `en` when no listed language stands out; empty text gives None.
    """
    if not text or not text.strip():
        return None
    by_script = script_language(text)
    if by_script:
        return by_script
    scores: Counter[str] = Counter()
    words = 0
    for word in _WORD_RE.findall(text[:5000].lower()):
        words += 1
        for lang in _WORD_TO_LANGS.get(word, ()):
            scores[lang] += 1
    if not words:
        return None
    if not scores:
        return "en"
    ranked = [*scores.most_common(2), ("", 0)]
    (best, top), runner_up = ranked[0], ranked[1][1]
    return best if top >= 3 and top > runner_up * 1.2 else "en"
