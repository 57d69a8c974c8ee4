"""A resident's answers: the validation rules of every field, the one rule for a person's name, the chip ID card's
QR payload and personal ID number, and valid sample answers for tours, tests and benches. Pure functions over
the catalog's models; no storage, no network."""
