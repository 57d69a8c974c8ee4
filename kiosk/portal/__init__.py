"""The kiosk's side of the online-service portal: contract models and an HTTP client (client), the sync engine
that delivers the outbox in order, each dossier exactly once (sync), and everything the running kiosk asks of
the portal in blocking calls meant for a worker thread (link).

Import from the modules themselves: the package imports nothing, so reading the contract (`models`) does not
load the HTTP stack, which the kiosk needs only once it talks to the portal."""
