"""Training: sessions."""
