"""Prometheus metrics of one app, in its own registry (several apps in one process,
as in the tests, never share or clash)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .state import BaseHolder, ReloadOutcome

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: a warm suggestion takes milliseconds, a batch or a cold start much longer.
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """The counters, histogram and gauges ``GET /metrics`` shows."""

    def __init__(self, holder: BaseHolder) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "replykb_http_requests",
            "HTTP requests answered, by route, method and status code.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "replykb_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ("route", "method"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.suggestions = Counter(
            "replykb_suggestions",
            "Suggestions made, by channel and status (confident, ambiguous, no_match).",
            ("channel", "status"),
            registry=self.registry,
        )
        self.reloads = Counter(
            "replykb_reloads",
            "Reloads of the answer base, by result (reloaded, unchanged, failed).",
            ("result",),
            registry=self.registry,
        )
        answers = Gauge(
            "replykb_base_answers",
            "Answers in the base being served.",
            registry=self.registry,
        )
        answers.set_function(lambda: len(holder.current.kb.answers))
        loaded_at = Gauge(
            "replykb_base_loaded_timestamp_seconds",
            "When the base being served was loaded (Unix time).",
            registry=self.registry,
        )
        loaded_at.set_function(lambda: holder.current.loaded_at.timestamp())
        healthy = Gauge(
            "replykb_base_reload_failing",
            "1 while the last reload failed and the previous base serves, else 0.",
            registry=self.registry,
        )
        healthy.set_function(lambda: float(holder.failure is not None))
        holder.add_listener(self.count_reload)

    def count_reload(self, outcome: ReloadOutcome) -> None:
        self.reloads.labels(outcome.result).inc()

    def count_suggestion(self, channel: str, status: str) -> None:
        self.suggestions.labels(channel, status).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request by its route's template (``/v1/answers/{answer_id}``,
    not the id asked for, so the number of series stays bounded) and times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Any other method (`curl -X FOO1`) would add a series per spelling.
        method = scope.get("method", "GET")
        method = method if method in _METHODS else "other"
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None)
            label = template if isinstance(template, str) else "unmatched"
            self.metrics.requests.labels(label, method, str(status)).inc()
            self.metrics.latency.labels(label, method).observe(time.perf_counter() - started)
