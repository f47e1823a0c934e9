"""Training: practice."""
