from django.core.management.base import CommandError

from authservers.crypto import KeyEncryptionKeyError
from authservers.key_lifecycle import stored_secrets_reencrypt
from authservers.management.base import OktaCommand


class Command(OktaCommand):
    help = (
        "Re-encrypt every signing private key and client secret under a new key-encryption key, without "
        "downtime. 1. Set CASTELLAN_KEY_ENCRYPTION_KEY=NEW,OLD everywhere and restart (the first key "
        "encrypts, all decrypt). 2. Run this command. 3. Set CASTELLAN_KEY_ENCRYPTION_KEY=NEW and restart. "
        "Rows already under NEW are skipped, so it can be run again after an interruption."
    )
    json_help = "Print the counts as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-encrypted; change nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        super().add_arguments(parser)

    def handle(self, *args, dry_run=False, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            counts = stored_secrets_reencrypt(dry_run=dry_run, batch_size=batch_size)
        except KeyEncryptionKeyError as exc:
            self.fail("E0000001", str(exc))
        if self.as_json:
            self.write_json({"dryRun": dry_run, **counts})
            return
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        for label, name in (("Signing keys", "signingKeys"), ("Client secrets", "clientSecrets")):
            count = counts[name]
            self.stdout.write(f"{label}: {count['reencrypted']} {verb}, {count['current']} already under the "
                              f"first key, {count['total']} in all.")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(
                "Done. Once every process runs with the new key first, the old key can be removed from "
                "CASTELLAN_KEY_ENCRYPTION_KEY."))
