"""The public, read-only JSON API (/api/v1): plenaries, members and its OpenAPI document."""
