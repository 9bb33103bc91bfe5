"""Jobs: a config trained into a complete run folder (``train_run``), above the pages it writes."""
