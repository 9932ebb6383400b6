"""Test support: fresh databases and RabbitMQ vhosts on the local servers (or containers)."""
