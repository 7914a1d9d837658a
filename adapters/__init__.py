"""Implementations of the application's ports. Adapter packages do not import each other."""
