"""Bilingual badges and table name plates: names, selection, rendering, batches built by the worker."""
