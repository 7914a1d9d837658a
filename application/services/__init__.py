"""Pieces several use cases share (one-time codes, sign-in sessions, throttles). They
stage changes in the caller's unit of work and never commit: the use case decides."""
