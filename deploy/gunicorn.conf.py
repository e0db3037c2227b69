"""gunicorn for the web process: sync workers sized to the cores, recycled to bound memory,
each warmed up before its first request (config/warmup.py)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", str(max_requests // 10)))
accesslog = "-"
errorlog = "-"
# The access line (request line, Referer) and the error log go through the same personal-data
# scrubber as the application's log.
logger_class = "config.gunicorn_logger.ScrubbingLogger"
# Prometheus metrics from several worker processes are merged through this directory. Only
# when it is set: an empty value makes prometheus_client write its files into the cwd.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={_metrics_dir}"] if _metrics_dir else []
# The workers warm up in post_worker_init below, not when config/wsgi.py is imported.
os.environ["BOOKSHELF_WARMUP_BY"] = "gunicorn"


def post_worker_init(worker):
    """Before the worker accepts its first connection (at start and after every recycle):
    imports, catalogues, connections and the hot reads; with threads, each thread's own
    database connection."""
    from config.warmup import warm_threads, warm_up, warmup_enabled

    if not warmup_enabled():
        return
    timings = warm_up(worker.wsgi)
    pool = getattr(worker, "tpool", None)
    warmed = warm_threads(pool, worker.cfg.threads) if pool is not None else 0
    if warmed:
        from django.db import connection

        connection.close()  # the main thread serves no request in a threaded worker
    worker.log.info(
        "warm-up %.0f ms (%s), %d threads warmed",
        sum(timings.values()),
        ", ".join(f"{k} {v:.0f}" for k, v in timings.items()),
        warmed,
    )


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
