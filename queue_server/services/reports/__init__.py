"""Queue reports for the head of unit: days summarised once in SQL (days), the report of a
range read from them (figures), its tables as CSV and XLSX (exports) and the monthly PDF (pdf)."""
