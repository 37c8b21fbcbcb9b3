"""Metrics: pure functions of gold and predicted values, plus resampling for uncertainty."""
