"""Text stages: prepare (customer turns), redact (PII), embed (cached encoder), themes (discovery)."""
