"""Documents of an application and the OCR of passports: upload (routes.py, service.py), the OCR
worker fed by the `uploads` queue (worker.py), the job's status (status.py)."""
