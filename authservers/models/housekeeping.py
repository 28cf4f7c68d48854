from django.db import models


class HousekeepingRun(models.Model):
    """When a periodic job last ran and what it did: one row per job, so the table stays tiny."""

    job = models.CharField(primary_key=True, max_length=64)
    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    deleted = models.JSONField(default=dict, help_text="Rows deleted per table in that run.")
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "housekeeping run"

    def __str__(self):
        return f"{self.job} at {self.started:%Y-%m-%d %H:%M:%S}"
