"""Language models over HTTP: Gemini and any OpenAI-compatible server, sharing one
pooled client and the wire helpers in ``wire`` (SSE parsing, retries, errors)."""
