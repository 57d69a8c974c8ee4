"""The outbox: every submitted dossier and every rating or comment, sealed with AES-GCM and stored durably in
SQLite before the resident is told it was received (store); looking a dossier up by its code (lookup); and
copying what can still be read out of a damaged outbox file (salvage). The portal sync engine
(kiosk/portal/sync.py) takes its rows from here."""
