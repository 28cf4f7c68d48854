"""Every user belongs to the built-in Everyone group, however the user was created."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User


@receiver(post_save, sender=User, dispatch_uid="accounts.user_joins_everyone")
def user_joins_everyone(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services import everyone_group

        everyone_group().users.add(instance)
