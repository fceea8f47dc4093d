"""The image archive's pure parts: which pictures a post shows, pointing it at the copies, telling a
picture by its bytes, the MIRRORS setting and the site mirror of `-a base_url=`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.errors import SettingError
from crawler.items import Article
from crawler.mirrors import parse_mirrors, swap_prefix, to_mirror, to_site_mirror, to_site_origin
from crawler.pipelines.imagefiles import is_svg, picture_extension
from crawler.pipelines.images import url_base
from crawler.posts import parse_front_matter, render_post
from crawler.posts.images import archived_url, post_image_urls, use_archived_images
from crawler.profiles import SITES_DIR, load_profile
from tests.conftest import REPLICA

CDN = "https://pppenglish.sgp1.digitaloceanspaces.com/image/main/202410"
LEAD = f"{CDN}/18_10_2024_img_3946.jpg"
INLINE = "https://github.com/user-attachments/assets/e343a584-18f6-43f0-b1bd-0f3752e79dc2"
BODY = (
    "The ASEAN member states are taking steps.\n\n"
    f"![]({INLINE})\n\n"
    "Cambodia, through the MPTC, represents the regional initiative. Vong Oun\n\n"
    f"![Kampot salt fields \\[aerial\\]]({CDN}/a%20b%28c%29.jpg)\n\n"
    "![inline data](data:image/gif;base64,R0lGODlhAQABAAAAACw=)\n\n"
    f"Again: ![]({INLINE})"
)


def seed(**changes: object) -> Article:
    values: dict[str, object] = {
        "url": "https://www.phnompenhpost.com/national/asean", "origin_url": "https://www.phnompenhpost.com/national/asean",
        "title": "ASEAN nations collaborate on AI governance", "description": "ASEAN nations collaborate",
        "image": LEAD, "image_caption": "Sam Sethserey addresses the media. Vong Oun", "body": BODY,
        "category": "NATIONAL", "language": "en", "code": "ART24101803585MDZE8",
        "date": datetime(2024, 10, 18, 3, 58, 50, tzinfo=UTC),
    }
    values.update(changes)
    return Article(**values)  # type: ignore[arg-type]


def test_a_post_shows_its_lead_image_then_each_body_picture_once_and_only_http_ones():
    assert post_image_urls(seed()) == [LEAD, INLINE, f"{CDN}/a%20b%28c%29.jpg"]
    assert post_image_urls(seed(image=None, body="No pictures, only [a link](https://x.example/a.jpg).")) == []


def test_archived_copies_replace_the_urls_and_the_lead_image_keeps_its_origin():
    article = seed()
    use_archived_images(article, {LEAD: "/assets/img/93/93aa.jpg", INLINE: "/assets/img/5c/5cbb.png"})
    assert article.image == "/assets/img/93/93aa.jpg"
    assert article.image_origin == LEAD
    assert article.body.count("![](/assets/img/5c/5cbb.png)") == 2  # both places that show it
    assert INLINE not in article.body
    # the one without a copy keeps its URL (and its escaped alt text); the data: URI is left alone
    assert f"![Kampot salt fields \\[aerial\\]]({CDN}/a%20b%28c%29.jpg)" in article.body
    assert "(data:image/gif;base64,R0lGODlhAQABAAAAACw=)" in article.body
    assert article.images_missing == 1


def test_a_lead_image_that_could_not_be_archived_stays_as_it_was():
    article = seed()
    use_archived_images(article, {})
    assert (article.image, article.image_origin, article.body, article.images_missing) == (LEAD, None, BODY, 3)


def test_image_origin_is_an_optional_front_matter_key_holding_the_original_url():
    article = seed()
    use_archived_images(article, {LEAD: "/assets/img/93/93aa.jpg"})
    plain = parse_front_matter(render_post(article))
    assert plain is not None and "image_origin" not in plain and plain["image"] == "/assets/img/93/93aa.jpg"
    asked = parse_front_matter(render_post(article, optional_fields=("author", "image_origin")))
    assert asked is not None and asked["image_origin"] == LEAD
    not_archived = parse_front_matter(render_post(seed(), optional_fields=("image_origin",)))
    assert not_archived is not None and not_archived["image_origin"] == not_archived["image"] == LEAD
    without = parse_front_matter(render_post(seed(image=None), optional_fields=("image_origin",)))
    assert without is not None and "image" not in without and "image_origin" not in without


@pytest.mark.parametrize(("name", "extension"), [
    ("images/pppenglish/18_10_2024_img_3946.jpg", ".jpg"),
    ("images/github/e343a584-18f6-43f0-b1bd-0f3752e79dc2.png", ".png"),
])
def test_the_replicas_pictures_are_told_by_their_bytes(name, extension):
    assert picture_extension((REPLICA / name).read_bytes()) == extension


@pytest.mark.parametrize(("body", "extension"), [
    (b"GIF89a\x01\x00\x01\x00", ".gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", ".webp"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", ".avif"),
    (b"<!DOCTYPE html><html><body>Not found</body></html>", None),
    (b"", None),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
])
def test_other_pictures_and_non_pictures(body, extension):
    assert picture_extension(body) == extension


def test_svg_is_recognised_even_with_a_bom_and_a_doctype():
    assert is_svg(b'\xef\xbb\xbf\n<?xml version="1.0"?>\n<!DOCTYPE svg><svg viewBox="0 0 1 1"></svg>')
    assert not is_svg(b"<!DOCTYPE html><html><body><p>an svg icon</p></body></html>")
    assert not is_svg((REPLICA / "images/pppenglish/18_10_2024_img_3946.jpg").read_bytes())


def test_mirrors_map_origins_to_mirrors_and_leave_other_urls_alone():
    mirrors = parse_mirrors(json.dumps({
        "https://PPPenglish.sgp1.digitaloceanspaces.com/": "http://127.0.0.1:8001/cdn/ppp/",
        "https://github.com:443": "http://127.0.0.1:8001/cdn/github",
    }))
    assert mirrors == {"https://pppenglish.sgp1.digitaloceanspaces.com": "http://127.0.0.1:8001/cdn/ppp",
                       "https://github.com": "http://127.0.0.1:8001/cdn/github"}
    assert to_mirror(f"{CDN}/x.jpg?w=800", mirrors) == "http://127.0.0.1:8001/cdn/ppp/image/main/202410/x.jpg?w=800"
    assert to_mirror(INLINE, mirrors) == "http://127.0.0.1:8001/cdn/github/user-attachments/assets/" + INLINE[-36:]
    assert to_mirror("http://github.com/a.png", mirrors) == "http://github.com/a.png"  # another origin
    assert to_mirror("https://gist.github.com/a.png", mirrors) == "https://gist.github.com/a.png"
    assert parse_mirrors("") == parse_mirrors(None) == parse_mirrors({}) == {}


def test_a_site_mirror_maps_the_sites_urls_there_and_back_and_leaves_other_hosts_alone():
    """`-a base_url=`: the site spider fetches the site's URLs from the mirror and files what it fetched under
    the site's origin; the article spider and addsite swap one origin's prefix."""
    site = load_profile(SITES_DIR / "phnompenhpost.yaml")
    mirror = "http://127.0.0.1:8000/replica"
    article = f"{site.origin}/national/a-story?page=2"
    fetched = to_site_mirror(article, site, mirror + "/")
    assert fetched == f"{mirror}/national/a-story?page=2"
    assert to_site_origin(fetched, site, mirror) == article
    assert to_site_mirror(site.origin, site, mirror) == mirror + "/"
    assert to_site_mirror(LEAD, site, mirror) == LEAD  # another host: MIRRORS, not base_url
    assert to_site_mirror(article, site, None) == article and to_site_origin(LEAD, site, mirror) == LEAD
    assert swap_prefix(f"{mirror}?q=1", mirror, site.origin) == f"{site.origin}?q=1"
    assert swap_prefix(f"{mirror}x/y", mirror, site.origin) == f"{mirror}x/y"  # only a whole prefix


@pytest.mark.parametrize(("value", "fragment"), [
    ("{not json", "MIRRORS must be a JSON object"),
    ('["https://cdn.example"]', "MIRRORS must map origins"),
    ('{"cdn.example": "http://127.0.0.1:8001"}', "key 'cdn.example' is not an origin"),
    ('{"https://cdn.example/images": "http://127.0.0.1:8001"}', "is not an origin"),
    ('{"https://cdn.example": "ftp://127.0.0.1/"}', "the mirror of https://cdn.example must be an http(s) URL"),
    ('{"https://cdn.example": 8001}', "must be a URL string"),
])
def test_a_bad_mirrors_setting_names_what_is_wrong(value, fragment):
    with pytest.raises(SettingError) as caught:
        parse_mirrors(value)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(("setting", "base", "shown"), [
    (None, "/assets/img/", "/assets/img/93/93aa.jpg"),
    ("/archive/pictures", "/archive/pictures/", "/archive/pictures/93/93aa.jpg"),
    ("https://img.example.org", "https://img.example.org/", "https://img.example.org/93/93aa.jpg"),
])
def test_images_url_base_prefixes_the_stored_path(setting, base, shown):
    assert url_base(setting) == base
    assert archived_url(url_base(setting), "93/93aa.jpg") == shown
