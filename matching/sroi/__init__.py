"""Social value (SROI / MKBA): the sourced price list, the programme inputs, the calculation."""
