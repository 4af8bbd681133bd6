"""gunicorn settings, read from the environment (`gunicorn --config python:<package>.gunicorn_conf`)."""

from __future__ import annotations

import os

from .environment import read_int
from .logs import logging_config
from .settings import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.web_concurrency
# Threaded workers keep connections alive; sync workers reconnect per request and stall under load.
worker_class = "gthread"
threads = read_int("GUNICORN_THREADS", 4)
# 0 is gunicorn's own "no limit" for these three.
timeout = read_int("GUNICORN_TIMEOUT", 30, minimum=0)
graceful_timeout = read_int("GUNICORN_GRACEFUL_TIMEOUT", 5, minimum=0)
keepalive = read_int("GUNICORN_KEEPALIVE", 5, minimum=0)
# Heartbeat files on a tmpfs: a disk-backed /tmp can stall workers into timeouts.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The application logs each request itself, as JSON fields with its request id.
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
logconfig_dict = logging_config(_settings.log_level)
# Only these proxies' X-Forwarded-Proto is believed; the app reads X-Forwarded-For by the same list.
forwarded_allow_ips = _settings.forwarded_allow_ips
# No control socket: a container is managed by its engine, and its home may be absent or read-only.
control_socket_disable = True


def worker_exit(server, worker) -> None:
    """Close the worker's database pool as it stops, so PostgreSQL sees its connections end cleanly."""
    app = getattr(worker, "wsgi", None)
    database = getattr(app, "extensions", {}).get("database")
    if database is not None:
        database.close()
