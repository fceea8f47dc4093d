"""Language codes: normalise declarations to ISO 639-1; detect the language of a text by its script,
else with py3langid (a maintained, offline statistical detector)."""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache
from typing import Any

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
_JAPANESE_KANA_SHARE = 0.1
"""Japanese news text is 40-65 % kana among its kana and kanji; Chinese text has next to none."""
_LETTER_RE = re.compile(r"[^\W\d_]")
_SCRIPT_RES: list[tuple[str, re.Pattern[str]]] = []
for _first, _last, _script_lang in _SCRIPTS:
    _SCRIPT_RES.append((_script_lang, re.compile(f"[{chr(_first)}-{chr(_last)}]")))


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


DETECTION_SAMPLE_CHARS = 1000
"""The detector reads this much of the text (title, description, the start of the body): enough to be sure."""
MIN_DETECTION_LETTERS = 20
"""Fewer letters than this say nothing reliable about a language: no detection."""
MIN_CONFIDENCE = 0.8
"""The detector's probability (normalised over its languages) a detected language needs..."""
OVERRULE_CONFIDENCE = 0.999
"""...and the probability with which the text must be in another language to overrule a declaration..."""
OVERRULE_MIN_LETTERS = 300
"""...from at least this many letters of text."""
_RELATED = (frozenset({"no", "nb", "nn", "da"}), frozenset({"id", "ms", "jv"}), frozenset({"hr", "sr", "bs"}),
            frozenset({"cs", "sk"}), frozenset({"es", "gl", "ca", "pt"}), frozenset({"ru", "uk", "be"}))
"""Languages close enough for a detector to confuse them: one never overrules a declaration of another."""


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's pre-trained model (97 languages), loaded once, with probabilities normalised."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


_MINOR_SCRIPTS_RE = re.compile("[" + "".join(f"{chr(first)}-{chr(last)}" for first, last, _ in _SCRIPTS) + "]+")


def load_detector() -> None:
    """Load the detector's model now (about half a second, once per process) rather than on the first page."""
    _identifier()


def _letters(text: str) -> int:
    return len(_LETTER_RE.findall(text))


def detect_language(text: str) -> str | None:
    """The language of a text: by script for scripts that name one language, else by a maintained
    statistical detector (py3langid); None when the text is too short or the detector unsure (never a
    guessed default)."""
    if not text or not text.strip():
        return None
    by_script = script_language(text)
    if by_script:
        return by_script
    sample = _MINOR_SCRIPTS_RE.sub(" ", text[:DETECTION_SAMPLE_CHARS])  # a few words in another script do not decide
    if _letters(sample) < MIN_DETECTION_LETTERS:
        return None
    try:
        lang, probability = _identifier().classify(sample)
    except Exception:  # the detector must never cost a page its article
        logger.debug("language detection failed", exc_info=True)
        return None
    code = normalize_language(str(lang))
    return code if code and float(probability) >= MIN_CONFIDENCE else None


def contradicting_language(declared: str, text: str) -> str | None:
    """The language the text is plainly written in when it is not the `declared` one (a template that
    says lang="en" on every page of a German site), else None. Conservative: long text, a near-certain
    detector, the declared language all but ruled out, and no closely related pair."""
    sample = text[:DETECTION_SAMPLE_CHARS]
    if _letters(sample) < OVERRULE_MIN_LETTERS:
        return None
    try:
        ranked = _identifier().rank(sample)
    except Exception:
        logger.debug("language detection failed", exc_info=True)
        return None
    if not ranked:
        return None
    best, probability = ranked[0]
    code = normalize_language(str(best))
    if code is None or code == declared or float(probability) < OVERRULE_CONFIDENCE:
        return None
    if any(code in group and declared in group for group in _RELATED):
        return None
    return code
