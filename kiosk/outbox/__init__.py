"""The outbox: every submitted dossier and every rating or comment, sealed with AES-GCM and stored durably in
SQLite before the resident is told it was received (store), and looking a dossier up by its code and four digits
(lookup). The portal sync engine (kiosk/portal/sync.py) takes its rows from here; copying what can still be read
out of a damaged outbox file is a technician's command (kiosk/ops/salvage.py)."""
