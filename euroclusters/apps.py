from django.apps import AppConfig


class EuroclustersConfig(AppConfig):
    name = "euroclusters"
    verbose_name = "Euroclusters"
