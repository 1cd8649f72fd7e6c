"""What people are told: messages composed and queued, delivered from the outbox."""
