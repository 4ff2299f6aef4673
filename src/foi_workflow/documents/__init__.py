"""Low-level writers for printable official documents (PDF, DOCX) shared by notices and reports."""
