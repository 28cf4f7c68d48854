from django.db import models


class Org(models.Model):
    """The organisation this Castellan serves (one row): `org.name` and `org.subDomain` in claims."""

    name = models.CharField(max_length=255, default="Castellan")
    subdomain = models.CharField(max_length=63, default="castellan")

    class Meta:
        verbose_name = "organisation"

    def __str__(self):
        return self.name

    @classmethod
    def get(cls) -> "Org":
        org, _ = cls.objects.get_or_create(pk=1)
        return org
