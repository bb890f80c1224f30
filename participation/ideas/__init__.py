"""Ideas: categories (routed to departments) now; ideas, attachments and search come next."""
