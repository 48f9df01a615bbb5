"""Passport OCR: an engine reads a page (engines.py), one MRZ step decides what it says (mrz.py,
passport.py). Heavy modules (the offline engine, the PDF rasteriser) are imported where used."""
