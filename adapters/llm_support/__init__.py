"""What the HTTP model adapters share: server-sent event parsing, error classification,
and retries before the first chunk. Used by adapters.gemini and adapters.openai."""
