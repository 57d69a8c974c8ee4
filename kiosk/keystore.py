"""The name keyring configurations use for the kiosk's file backend: `kiosk.keystore.LocalFileKeyring`.

Installed kiosks, their units and technicians' scripts set `PYTHON_KEYRING_BACKEND=kiosk.keystore.LocalFileKeyring`;
keyring imports that dotted name at start-up, so it is an interface of its own and keeps working whatever the
package layout. The backend itself lives in `kiosk.security.keystore`.
"""

from kiosk.security.keystore import LocalFileKeyring

__all__ = ["LocalFileKeyring"]
