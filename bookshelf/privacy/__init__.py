"""The customer's rights under China's Personal Information Protection Law (PIPL): a copy of
everything held about them (`export`), and erasure on request (`erasure`). This room reads
every other room's models, so it sits above them; the admin and the commands call it."""
