"""Files the kiosk reads and writes: where the bundled files are and where data is kept (paths), and writing a
small file so that a reader, or the kiosk after a power cut, sees the old file or the new one (atomic). The
lowest layer of the core: it imports nothing else of the kiosk."""
