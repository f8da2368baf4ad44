"""What every shopgraph service shares to be observed: traces, metrics and logs.

A leaf package: it knows OpenTelemetry, prometheus-client and the standard library, nothing
of ours, so the router (which stands alone) may use it as well as the subgraphs and BFFs.

- :mod:`observability.context`: which service a line of code runs for (several run in one
  ``shopgraph dev`` process) and what is known of the request being served.
- :mod:`observability.tracing`: the OpenTelemetry SDK, one tracer provider per service,
  the instrumentations of our stores' drivers, W3C trace context on HTTP and Redis Streams.
- :mod:`observability.metrics`: a Prometheus registry per service, served on ``/metrics``.
- :mod:`observability.logs`: JSON lines in production, readable lines in development, each
  with the service name and the trace and span ids.
- :mod:`observability.health`: `/health/ready`, the round trips to every store a service uses.
- :mod:`observability.asgi`: the ASGI wrapper every service's app is served through (server
  span, request metrics, one access-log line, an error id for an unexpected failure).
"""
