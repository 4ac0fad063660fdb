"""Training modules, completions and the gate on mentors; later supervision,
protocols and group agreements."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "peersupport.training"
    label = "training"
    verbose_name = "Training"
