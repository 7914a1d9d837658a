"""The capabilities use cases need, as ``typing.Protocol``s; adapters implement them."""
