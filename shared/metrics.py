"""Prometheus metrics shared by every service (exposed by :func:`serve`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

EVENTS_IN = Counter("newsflow_events_in_total", "Messages consumed", ["stage"])
EVENTS_OUT = Counter("newsflow_events_out_total", "Outputs written (produced or indexed)", ["stage"])
DEAD_LETTERED = Counter("newsflow_dead_lettered_total", "Messages sent to dead letters", ["stage"])
RETRIES = Counter("newsflow_retries_total", "Retried writes during outages", ["what"])
BATCH_SECONDS = Histogram("newsflow_batch_seconds", "Time to process one polled batch", ["stage"],
                          buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
CONSUMER_LAG = Gauge("newsflow_consumer_lag", "Messages behind the end of the input topic", ["stage"])


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on host:port (port 0 disables)."""
    if port:
        start_http_server(port, addr=host)
