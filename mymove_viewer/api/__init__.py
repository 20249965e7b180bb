"""Partner API access: query validation, the HTTP client, error types and lead parsing. No Qt."""
