"""The Litestar HTTP entrypoint. Talks to use cases only, never to adapters."""
