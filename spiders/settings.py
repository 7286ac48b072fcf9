"""Scrapy settings: polite by default. Profiles in `sources.yaml` may loosen delays for the demo web."""

BOT_NAME = "groupdir"
SPIDER_MODULES: list[str] = []  # spiders come from the registry, see spiders.loader
SPIDER_LOADER_CLASS = "spiders.loader.RegistrySpiderLoader"
NEWSPIDER_MODULE = "spiders.adapters"

USER_AGENT = "groupdir-bot/0.1 (+https://github.com/groupdir/groupdir#crawler; crawler@groupdir.invalid)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False  # nothing we read needs a session; never carry cookies between sites

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Scrapy >= 2.13 starts CONCURRENT_ITEMS (default 100) asyncio worker tasks for every response
# (scrapy/scrapy#5182, PR #7959); at about one item per page that bookkeeping was half the
# crawler's CPU (234 → 347 pages/s in `make bench`). No item pipeline runs here: the feed
# exporter lands items, so a small per-response limit changes nothing that is crawled.
CONCURRENT_ITEMS = 8

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5

# Conditional GET between nights: the cache folder persists under data/, RFC2616Policy
# revalidates with If-None-Match / If-Modified-Since and an unchanged page costs a 304.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = "httpcache"  # relative paths live under .scrapy/; the runner passes data/httpcache
HTTPCACHE_IGNORE_HTTP_CODES = [500, 502, 503, 504, 429]
HTTPCACHE_ALWAYS_STORE = True  # store even without cache headers, then revalidate next night

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.StrictRobotsTxtMiddleware": 100,
    # Just above the cache (900), so it sees what crossed the wire: a 304 is a few bytes.
    "spiders.middlewares.WireBytesMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    "spiders.middlewares.SchemeFilterMiddleware": 50,
}
EXTENSIONS = {
    "spiders.middlewares.StatsFileExtension": 500,
}

FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Scale-out switch (docs/SCALING.md): with GROUPDIR_SCRAPY_REDIS_URL set, requests are scheduled
# and deduplicated in Redis by scrapy-redis (extra `scale`), so many crawler processes on many
# machines share one frontier per spider.
import os as _os  # noqa: E402

if _os.environ.get("GROUPDIR_SCRAPY_REDIS_URL"):
    SCHEDULER = "scrapy_redis.scheduler.Scheduler"
    DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
    SCHEDULER_PERSIST = True
    REDIS_URL = _os.environ["GROUPDIR_SCRAPY_REDIS_URL"]

# The active profile of the source registry may override any of the above (the demo web lifts
# delays that only make sense on the real web).
from spiders.registry import profile_settings as _profile_settings  # noqa: E402

globals().update(_profile_settings())
