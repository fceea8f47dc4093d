"""news-to-jekyll: a Scrapy project that writes news articles as Jekyll posts."""

__version__ = "0.1.0"
