"""Training: courses."""
