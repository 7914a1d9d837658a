"""The reference web client's files (served by entrypoints.http.web_page)."""
