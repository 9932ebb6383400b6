"""The sales service: accounts, contacts, leads, opportunities, products, quotes, orders."""
