"""Filter stage: which items are published — rules (rules.py) and one story, one
post (dedupe/)."""
