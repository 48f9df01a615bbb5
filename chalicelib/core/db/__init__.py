"""pynamodb base model, integer id counters and uniqueness guards."""
