"""What staff and technicians run beside the resident's journey: kiosk doctor (checks with fixes), kiosk status
(the state at a glance), kiosk provision (making a machine a kiosk of a site), the demo and sandbox-portal
commands, logging with its privacy filter, the systemd watchdog, and usage statistics without personal data."""
