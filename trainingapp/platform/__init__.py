"""The platform every domain stands on: clock, database, uploads, staged imports, spreadsheets, errors, i18n, backup."""
