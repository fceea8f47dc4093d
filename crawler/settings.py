"""Project settings: polite crawling defaults, the item pipelines, the post files and the run feed.

Every value can be overridden per run with `-s NAME=value`; environment variables are read here
and only here. Nothing from the `crawler` package is imported: components are dotted paths.
"""

from __future__ import annotations

import os
from pathlib import Path

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
SPIDER_LOADER_CLASS = "crawler.spiderloader.SiteSpiderLoader"
COMMANDS_MODULE = "crawler.commands"

# Where posts, the state store, run stats and feeds go. A relative path is relative to the
# folder `scrapy` runs in (the project root).
OUTPUT_DIR = os.environ.get("NEWS_OUTPUT_DIR", "output")
# The folder of site profiles (YAML); defaults to the profiles shipped in crawler/sites/ (as an absolute
# path, so `scrapy settings --get SITES_DIR` shows where they are).
SITES_DIR = os.environ.get("NEWS_SITES_DIR") or str(Path(__file__).resolve().parent / "sites")

# Politeness: identify ourselves, obey robots.txt, adapt speed to the server.
USER_AGENT = (
    "news-to-jekyll/0.1 (+https://github.com/news-to-jekyll/news-to-jekyll; static news archive crawler)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Failures: retry transient errors with exponential backoff, bound sizes and time.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles per attempt (crawler.middlewares)
RETRY_BACKOFF_MAX = 60.0  # cap, also for a server's Retry-After
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # a sitemap may be 50 MB uncompressed (sitemaps.org)
REDIRECT_MAX_TIMES = 10
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.QuietRobotsTxtMiddleware": 100,  # an unreachable robots.txt: one line, no traceback
    "crawler.archive.capture.WarcCapture": 585,  # after HttpCompressionMiddleware (590): decoded payloads
}

# Web archive (crawler/archive): every article page fetched is kept as WARC request/response records in
# OUTPUT_DIR/.crawler/warc/ (one gzip member per record, a new file every WARC_MAX_SIZE bytes), so
# `scrapy reprocess` can rebuild posts without the network. WARC_ENABLED=0 turns capture off.
WARC_ENABLED = True
WARC_MAX_SIZE = 1024**3

# Run safety and reporting (crawler/extensions): one run per OUTPUT_DIR, a summary line and a JSON
# stats file per run (OUTPUT_DIR/.crawler/runs/), a progress line every PROGRESS_INTERVAL seconds.
EXTENSIONS = {
    "crawler.extensions.lock.RunLock": 10,
    "crawler.extensions.summary.RunSummary": 20,
    "crawler.extensions.jobdir.FinishedJob": 30,
}
RUN_LOCK_ENABLED = True
PROGRESS_INTERVAL = 60.0
LOGSTATS_INTERVAL = 60.0
# The run fails (exit status 1) when more than this share of the article pages fetched (HTTP 200)
# held no article: what a site redesign looks like. 1.0 turns the check off.
ARTICLES_MISSING_MAX_RATIO = 0.2
# The run fails when more than this share of the article pages it asked for could not be fetched (too
# large, HTTP errors, timeouts, bad redirects), and always when pages were wanted but none became a post.
ARTICLES_FAILED_MAX_RATIO = 0.2
# No listening consoles in scheduled runs: the telnet console and Scrapy's remote-control HTTP server
# (which runs code sent to it and writes job files into the user's home folder) are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Log lines about an article name its URL instead of printing the whole article.
LOG_FORMATTER = "crawler.logformatter.ArticleLogFormatter"

# Output.
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalize.NormalizePipeline": 200,
    "crawler.pipelines.images.ImageArchivePipeline": 250,
    "crawler.pipelines.store.StorePipeline": 300,
}
# Optional front matter keys written when known: any of "author", "updated", "tags".
# The seed post has neither `updated` nor `tags`, so only `author` is on by default.
POST_OPTIONAL_FIELDS = ["author"]

# The image archive (crawler/pipelines/images.py): every picture a post shows is downloaded once with
# the crawl (Scrapy's FilesPipeline) and stored as served under FILES_STORE ("" = OUTPUT_DIR/assets/img,
# which Jekyll publishes; any store Scrapy supports: a folder, s3://, gs://, ftp://). Posts point at
# IMAGES_URL_BASE + the stored path. A stored picture is never fetched again (FILES_EXPIRES, in days).
# ARCHIVE_IMAGES = False writes the original picture URLs, as the news site shows them.
ARCHIVE_IMAGES = True
FILES_STORE = ""
IMAGES_URL_BASE = "/assets/img/"
FILES_EXPIRES = 36500
IMAGES_RETRY_BASE = 3600.0  # seconds after the first retry of missing pictures before the second; doubles
IMAGES_RETRY_MAX = 7 * 86400.0  # cap: an article whose picture can never be archived is fetched weekly
MEDIA_ALLOW_REDIRECTS = True
# Other hosts a crawl needs (an image CDN), fetched from a mirror while posts keep the real URLs:
# a JSON object of origins to mirror URLs, '{"https://cdn.example": "http://127.0.0.1:8001"}'.
MIRRORS: dict[str, str] = {}

# The feed of each run: one JSON line per post written (new or updated), appended and fsynced by the
# store pipeline as each post is written, in POST_FEED_DIR/<spider>-<UTC start time>.jsonl (default
# OUTPUT_DIR/_feeds). At-least-once: a killed run's posts are listed by a later run, possibly twice.
# It is not a Scrapy feed export, so `-o`/`-O`/FEEDS add the user's own feeds next to it.
POST_FEED_ENABLED = True
POST_FEED_DIR = ""

# Several machines, one crawl (crawler/distributed): with REDIS_URL set, this run shares one Redis-backed
# frontier and duplicate filter (scrapy-redis). A plain run leads (discovers, writes every post); a run
# with FRONTIER_WORKER=1 helps: it fetches and extracts from the shared queue and relays what it finds
# to the leader. A worker waits up to FRONTIER_WAIT seconds for a leader; roles are kept by heartbeats
# every FRONTIER_HEARTBEAT seconds and lapse after three missed ones.
ADDONS = {"crawler.distributed.addon.SharedFrontier": 0}
REDIS_URL = os.environ.get("NEWS_REDIS_URL", "")
FRONTIER_WORKER = False
FRONTIER_WAIT = 60.0
FRONTIER_HEARTBEAT = 5.0

# Scrapy defaults we rely on, stated for readers.
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("NEWS_LOG_LEVEL", "INFO")
