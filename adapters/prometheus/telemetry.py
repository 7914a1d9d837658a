"""Prometheus metrics. One registry per process; the API serves it at /metrics, the
worker on its own port (WORKER_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from domain.chat import TokenUsage

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class PrometheusTelemetry:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=r,
            buckets=LATENCY_BUCKETS,
        )
        self.queue_depth = Gauge("reply_queue_depth", "Reply jobs waiting in the queue", registry=r)
        self.replies = Counter("replies_total", "Replies finished, by outcome", ["outcome"], registry=r)
        self.generation = Histogram(
            "reply_generation_seconds", "Time to write a whole reply", registry=r, buckets=LATENCY_BUCKETS
        )
        self.first_chunk = Histogram(
            "reply_first_chunk_seconds",
            "Time from starting a reply to its first chunk",
            registry=r,
            buckets=LATENCY_BUCKETS,
        )
        self.model_errors = Counter("model_errors_total", "Model call failures by kind", ["kind"], registry=r)
        self.tokens = Counter("model_tokens_total", "Tokens used, by direction", ["direction"], registry=r)
        self.payment_events = Counter(
            "payment_events_total", "Payment webhook events by type and outcome", ["type", "outcome"], registry=r
        )
        self.ratings = Counter(
            "reply_feedback_total",
            "Ratings users gave replies, by the model that wrote them",
            ["model", "rating"],
            registry=r,
        )
        # Looking a labelled child up costs more than using it; routes are templates, so few.
        self._http_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def reply_finished(
        self, *, outcome: str, seconds: float, first_chunk_seconds: float | None, usage: TokenUsage | None
    ) -> None:
        self.replies.labels(outcome).inc()
        self.generation.observe(seconds)
        if first_chunk_seconds is not None:
            self.first_chunk.observe(first_chunk_seconds)
        if usage is not None:
            self.tokens.labels("prompt").inc(usage.prompt_tokens)
            self.tokens.labels("response").inc(usage.response_tokens)

    def model_error(self, kind: str) -> None:
        self.model_errors.labels(kind).inc()

    def payment_event(self, event_type: str, outcome: str) -> None:
        self.payment_events.labels(event_type, outcome).inc()

    def reply_rated(self, *, model: str, rating: str) -> None:
        self.ratings.labels(model, rating).inc()

    def http_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        # A client can send any method name; only known ones become label values.
        label = method if method in _METHODS else "OTHER"
        key = (label, route, status)
        children = self._http_children.get(key)
        if children is None:
            children = self._http_children[key] = (
                self.http_requests.labels(label, route, str(status)),
                self.http_latency.labels(label, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def render(self, *, queue_depth: int) -> bytes:
        self.queue_depth.set(queue_depth)
        return generate_latest(self.registry)
