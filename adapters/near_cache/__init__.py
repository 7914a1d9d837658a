"""Per-process copies of hot reads (``store``), served and invalidated by a unit of
work that wraps the real one (``unit_of_work``)."""
