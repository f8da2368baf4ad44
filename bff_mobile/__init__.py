"""The mobile BFF: a mobile-shaped schema over persisted router operations."""
