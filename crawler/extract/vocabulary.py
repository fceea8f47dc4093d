"""The words news pages use, in the languages of the corpora, kept in one place: month and weekday names,
byline prefixes, labels of 'related' lines, picture-credit words, and regular-expression alternations
built from them. Modules that recognise dates, bylines, datelines or chrome take their words from here,
so that a language added once is known everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable

MONTH_NAMES: tuple[str, ...] = (
    "january jan janvier janv januar jänner enero ene janeiro gennaio gen januari មករា",
    "february feb febr février févr februar febrero febrer fevereiro fev febbraio februari កុម្ភៈ កុម្ភះ",
    "march mar mars märz marz marzo março marco maret maart មីនា",
    "april apr avril abril aprile មេសា",
    "may mai mayo maio maggio mei ឧសភា",
    "june jun juin juni junio junho giugno មិថុនា",
    "july jul juillet juil juli julio julho luglio កក្កដា",
    "august aug août aout agosto ags agustus augustus សីហា",
    "september sep sept septembre septiembre setembro settembre set កញ្ញា",
    "october oct octobre oktober okt octubre outubro ottobre out ott តុលា",
    "november nov novembre noviembre novembro nopember វិច្ឆិកា",
    "december dec décembre déc dezember dez diciembre dic dezembro dicembre desember des ធ្នូ",
)
"""Names and abbreviations of each month (January first), in English, French, German, Spanish, Portuguese,
Italian, Indonesian, Dutch and Khmer, space-separated."""

ENGLISH_MONTHS: tuple[str, ...] = (
    "january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul", "august aug",
    "september sept sep", "october oct", "november nov", "december dec",
)
"""English month names and abbreviations (bylines cut at an English date only: "Name, March 3")."""

WEEKDAYS: dict[str, str] = {
    "en": "monday tuesday wednesday thursday friday saturday sunday",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles miercoles jueves viernes sábado sabado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda terça quarta quinta sexta feira sábado domingo",
}
"""Weekday names by language."""

BYLINE_PREFIXES: tuple[str, ...] = ("by", "von", "por", "par", "di", "av", "door")
"""Words that open a byline ("By A", "Von B", "Por C", "Par D", "di E", "av F", "door G")."""
MORE_BYLINE_PREFIXES: tuple[str, ...] = ("af", "da", "de")
"""Words that open a byline only where a date or time confirms the line is one (they are common words)."""
TITLE_BYLINE_PREFIXES: tuple[str, ...] = ("by", "von", "por", "par")
"""Byline prefixes that mark a segment of a page title as a byline ("Headline | By A")."""

DATE_PREPOSITIONS: tuple[str, ...] = ("on", "am", "le", "el", "il", "op", "em", "den")
"""Words that join a date to a byline: "By A on 3 May", "Von A am 03.05.2021", "Par A le 3 mai", "Por A el 3"."""

PUBLISHED_WORDS: frozenset[str] = frozenset({
    "published", "posted", "written", "veröffentlicht", "geschrieben", "publié", "publiée", "écrit", "publicado",
    "escrito", "pubblicato", "scritto", "gepubliceerd", "geschreven", "publicerad", "skrevet", "opublikowano",
})
"""Words of "Published by", "Veröffentlicht von", "Publié par": the lead-in of a byline, never a name."""

MORE_LABELS: tuple[str, ...] = (
    "related", "more", "see also", "also read", "read more", "read also", "read next", "lesen sie auch",
    "lesen sie mehr", "mehr zum thema", "auch interessant", "lire aussi", "à lire aussi", "lee también",
    "leer más", "te puede interesar", "leggi anche", "läs också", "läs mer",
)
"""Labels of a line that points to other articles ("Related coverage:", "Lesen Sie auch:")."""

COMMENT_HEADINGS: tuple[str, ...] = (
    "comments", "comment", "reader comments", "leave a comment", "leave a reply", "post a comment",
    "kommentare", "kommentar", "leserkommentare", "schreibe einen kommentar", "hinterlasse einen kommentar",
    "commentaires", "commentaire", "laisser un commentaire", "réactions", "comentarios", "comentario",
    "deja un comentario", "deja una respuesta", "comentários", "deixe um comentário", "commenti", "lascia un commento",
    "reacties", "kommentarer", "komentarze", "responses", "replies",
)
"""Headings that open a page's comment section, alone or counted ("Leave a Reply", "12 Comments",
"27 commentaires", "Kommentare (4)", "3 responses on “Title”"): what follows is the readers', not the
article's."""

PICTURE_WORDS: tuple[str, ...] = ("image", "images", "photo", "photos", "foto", "fotos", "bild", "picture",
                                  "pictures", "illustration", "video", "grafik")
"""Words that open a picture credit ("Photo: A", "Foto: B"): a credit, never a byline."""
SLIDE_WORDS: tuple[str, ...] = ("image", "photo", "picture", "slide", "bild", "foto", "imagen", "diapositiva")
"""Words of a gallery's slide counter ("Photo 2 of 5", "Bild 3/7")."""
CJK_CREDIT_WORDS: tuple[str, ...] = ("作者", "记者", "责编", "责任编辑", "編集", "编辑")
"""Chinese and Japanese words of an author or editor credit ("作者：", "（责编：…）")."""


def alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of the words (escaped, longest first, so that a longer word wins)."""
    unique = {word for word in words if word}
    return "|".join(re.escape(word) for word in sorted(unique, key=lambda w: (-len(w), w)))


def month_names() -> dict[str, int]:
    """Every month name and abbreviation of MONTH_NAMES, with its number (1-12)."""
    months: dict[str, int] = {}
    for number, names in enumerate(MONTH_NAMES, start=1):
        for name in names.split():
            months.setdefault(name, number)
    return months


def weekday_names(*languages: str) -> list[str]:
    """Weekday names of the languages (all of WEEKDAYS when none is given)."""
    chosen = languages or tuple(WEEKDAYS)
    return [name for language in chosen for name in WEEKDAYS[language].split()]
