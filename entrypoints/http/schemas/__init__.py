"""Request and response bodies (msgspec structs), one module per resource; each
response builds itself from the domain (``from_domain``)."""
