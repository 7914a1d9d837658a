"""Development and test harness: embedded PostgreSQL and Redis from pip packages, and
the launcher behind ``make run``. Not part of the service itself."""
