"""Operating the service: health and readiness, metrics, backups, retention."""
