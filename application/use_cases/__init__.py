"""One module per use case; each class has one public method, ``execute``."""
