# news-to-jekyll: every target creates .venv and installs what it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCRAPY := $(PY) -m scrapy

.PHONY: help install provision demo test crawl lint bench bench-extract site clean

help:
	@echo "make demo           crawl the bundled Phnom Penh Post replica offline into output/"
	@echo "make test           run every test (offline; installs jekyll, redis-server and chromium with apt-get when missing)"
	@echo "make crawl          crawl the live Phnom Penh Post into output/"
	@echo "make site           build the Jekyll site in output/ (installs Debian's jekyll if missing)"
	@echo "make bench          crawl a generated site on 127.0.0.1: vs a bare Scrapy spider, and one machine vs a shared frontier"
	@echo "make bench-extract  score extraction on the corpora (tuning and checking parts) against trafilatura, then the posts a crawl writes"
	@echo "make lint           ruff and mypy"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# jekyll and redis-server for the tests: installed with apt-get when possible, else one clear message.
provision:
	@bash tests/provision.sh

demo: $(STAMP)
	$(PY) tests/demo.py

# Four test processes (pytest-xdist): most tests wait on crawls, servers and builds, not on a core.
TEST_WORKERS ?= 4

test: $(STAMP) provision
	$(PY) -m pytest -q -n $(TEST_WORKERS)

crawl: $(STAMP)
	$(SCRAPY) crawl phnompenhpost

lint: $(STAMP)
	$(PY) -m ruff check crawler tests
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m tests.bench.crawl
	$(PY) -m tests.bench.frontier

bench-extract: $(STAMP)
	$(PY) -m tests.bench.extract
	$(PY) -m tests.bench.posts

site: $(STAMP)
	$(PY) tests/site.py build

clean:
	rm -rf output/_posts output/_site output/.jekyll-cache output/.crawler output/_feeds output/assets/img .pytest_cache
