"""Domain records: enums, the pydantic schemas, relational storage and the CSV folder format."""
