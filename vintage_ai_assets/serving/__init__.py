"""What people read without code: snapshots of the public tables, the HTTP API."""
