"""Operations of a running site: health checks, metrics, alerts, the stats cache and retention
(the rules and math they apply live in core/operations)."""
