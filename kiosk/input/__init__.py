"""What a keyboard sends, before it becomes an answer: Vietnamese Telex typing for the on-screen and physical
keyboards, and telling a barcode scanner's burst of keystrokes from a person typing (and what the scanned code
is). Pure logic; the Qt side is ui/input/."""
