"""Training: learning."""
