"""Training: outreach."""
