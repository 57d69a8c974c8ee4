"""What staff and technicians run beside the resident's journey: kiosk doctor (checks with fixes), kiosk status
(the state at a glance), kiosk provision (making a machine a kiosk of a site), kiosk outbox salvage (what can
still be read of a damaged outbox), the demo and sandbox-portal commands, the console's sync now, logging with
its privacy filter, the systemd watchdog, the garbage collector's pause while the kiosk starts, and usage
statistics without personal data."""
