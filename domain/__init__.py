"""Entities, value objects and pure rules of the chat service. Standard library only."""
