"""Language codes: declarations normalised to ISO 639-1, detection by script and function words."""

from __future__ import annotations

import pytest

from crawler.extract.language import detect_language, normalize_language, script_language


@pytest.mark.parametrize(("tag", "code"), [
    ("en", "en"), ("en-US", "en"), ("EN_gb", "en"), ("km-KH", "km"), ("km_KH", "km"), ("zh-Hant-TW", "zh"),
    ("khm", "km"), ("eng", "en"), ("iw", "he"), ("in", "id"), (" de ", "de"), ("pt-BR, en", "pt"),
    (None, None), ("", None), ("x-default", None), ("und", None), ("*", None), ("english", None), ("e", None),
])
def test_normalize_language(tag: str | None, code: str | None) -> None:
    assert normalize_language(tag) == code


@pytest.mark.parametrize(("text", "code"), [
    ("កសិករដាំម្រេចនៅខេត្តកំពត រំពឹងថាទិន្នផលម្រេចនៅរដូវប្រមូលផលខាងមុខ", "km"),
    ("ราคาน้ำมันลดลงเป็นครั้งที่สอง", "th"),
    ("東京で新しい展示会が開かれました", "ja"),
    ("北京今天举行了新闻发布会", "zh"),
    ("서울에서 새로운 전시회가 열렸습니다", "ko"),
    ("Цены на топливо снизились второй раз подряд", "ru"),
    ("انخفضت أسعار الوقود للمرة الثانية", "ar"),
    ("Fuel prices have eased for the second consecutive period, the ministry said on Monday.", "en"),
    ("Die Preise für Kraftstoff sind zum zweiten Mal gesunken, und das ist nicht überraschend.", "de"),
    ("Les prix des carburants ont baissé pour la deuxième fois, selon le ministère qui a publié une note.", "fr"),
    ("Los precios del combustible bajaron por segunda vez, según el ministerio y los analistas del sector.", "es"),
    ("Harga bahan bakar turun untuk kedua kalinya dan ini adalah kabar yang baik dari pemerintah.", "id"),
    ("Nederlandse boeren protesteren opnieuw tegen de nieuwe stikstofregels van de regering.", "nl"),
    ("Rząd przedstawił w środę nowy plan budżetu na przyszły rok, który trafi teraz do Sejmu.", "pl"),
    ("Kampot Pepper Festival 2024", None),  # too little text to tell: no guess (never a default "en")
    ("", None), ("   ", None), ("12345 !!!", None),
])
def test_detect_language(text: str, code: str | None) -> None:
    assert detect_language(text) == code


def test_script_language_needs_a_share_of_the_letters() -> None:
    mostly_english = "The festival is called " + "ពិធីបុណ្យ" + " in Khmer and draws large crowds every year."
    assert script_language(mostly_english) is None
    assert detect_language(mostly_english) == "en"
    assert script_language("ពិធីបុណ្យម្រេច Kampot") == "km"


def test_chinese_with_a_stray_kana_sign_stays_chinese() -> None:
    # Chinese writes foreign names with the katakana middle dot; only real kana text makes it Japanese.
    chinese = ("新华社北京4月24日电 国家主席习近平向首届中国－拉美和加勒比国家航天合作论坛致贺信。"
               "卡尔・马克思的故乡特里尔市")
    assert script_language(chinese) == "zh"
    assert detect_language(chinese) == "zh"
    japanese = "首相は記者会見で新しい経済対策を発表し、国会での審議を急ぐ考えを示した。"
    assert script_language(japanese) == "ja"


GERMAN = ("Die Stadtwerke haben am Montag angekündigt, die Preise für Strom und Gas im kommenden Jahr stabil zu "
          "halten. Grund dafür seien langfristige Verträge, die das Unternehmen bereits im Frühjahr abgeschlossen "
          "habe, sagte eine Sprecherin. Für Kunden mit Wärmepumpen soll es zudem einen eigenen Tarif geben, der "
          "ab Januar gilt. Verbraucherschützer begrüßten die Ankündigung, mahnten aber mehr Transparenz an.")
NORWEGIAN = ("Regjeringen la fram et nytt forslag til statsbudsjett onsdag, med mer penger til sykehusene og "
             "lavere skatt for folk med små inntekter. Finansministeren sa at budsjettet skal bidra til å holde "
             "prisveksten nede, og at kommunene får større frihet til å bruke pengene der behovet er størst. "
             "Opposisjonen kalte forslaget for forsiktig og lovet å kjempe for flere lærere i skolen.")


def test_a_declaration_the_text_plainly_contradicts_is_overruled() -> None:
    from crawler.extract.language import contradicting_language

    assert contradicting_language("en", GERMAN) == "de"  # a template that says lang="en" on a German site
    assert contradicting_language("de", GERMAN) is None
    assert contradicting_language("en", GERMAN[:120]) is None  # too little text to overrule anything
    assert contradicting_language("da", NORWEGIAN) is None  # close relatives are never overruled


def test_a_german_article_in_an_english_template_is_german() -> None:
    from crawler.extract import extract_article

    html = (f"<html lang='en'><head><title>Stadtwerke halten Preise stabil</title></head><body><article>"
            f"<h1>Stadtwerke halten Preise stabil</h1><p>{GERMAN}</p><p>Die Entscheidung gilt "
            f"für alle Haushalte im Versorgungsgebiet.</p></article></body></html>")
    assert extract_article(html, "https://www.stadtzeitung.example.org/lokales/preise").language == "de"
    assert extract_article(html.replace(GERMAN, "Short text."), "https://www.stadtzeitung.example.org/a").language \
        == "en"
