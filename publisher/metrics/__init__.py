"""Numbers from the running service for Prometheus: `GET /metrics`, added up across workers."""
