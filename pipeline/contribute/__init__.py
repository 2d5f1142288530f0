"""contribute stage."""
