"""Keeping secrets and personal data safe: AES-256-GCM sealing of data at rest (crypto), the OS keyring holding the
outbox key, the portal client secret and the staff PIN hashes (secrets), the kiosk's own keyring file backend
for machines without a desktop secret service (keyfile, keystore), and staff and technician PINs with their
lockout (staff_auth)."""
