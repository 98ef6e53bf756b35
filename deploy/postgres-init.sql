-- MLflow keeps its runs and registry in its own database beside werkkans's records.
CREATE DATABASE mlflow OWNER werkkans;
