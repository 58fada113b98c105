"""Documents: XLSX/PDF exports and the certificate PDF, on the common PDF base (pdf.py)."""
