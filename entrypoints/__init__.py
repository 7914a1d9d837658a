"""How the world reaches the use cases: HTTP, the worker, the CLI, and the container
that wires adapters to ports."""
