"""gunicorn for the web process: sync workers sized to the cores, recycled to bound memory."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# The access line (request line, Referer) and the error log go through the same personal-data
# scrubber as the application's log.
logger_class = "config.gunicorn_logger.ScrubbingLogger"
# Prometheus metrics from several worker processes are merged through this directory. Only
# when it is set: an empty value makes prometheus_client write its files into the cwd.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={_metrics_dir}"] if _metrics_dir else []


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
