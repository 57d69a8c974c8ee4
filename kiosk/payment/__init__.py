"""Money: the fee of a procedure for a resident's answers (fees.assess, the one place an amount is computed: review
screen, slip, VietQR and the sandbox portal all call it) and the VietQR bank-transfer payload printed on the
slip."""
